import type { EnrichResult } from '@epipe/enrich';
import { searchChanges } from './search-changes';

describe('searchChanges', () => {
  it("gives the search sink a moved directory's ancestors without the directory itself", () => {
    const result: EnrichResult = {
      events: [],
      filtered: 0,
      docs: [],
      deletes: [{ inodeId: 7, logicalTime: 3 }],
      moves: [{ dirInodeId: 10, oldPath: '/a/old', newPath: '/b/new', newAncestorIds: [1, 5, 10] }],
      dead: [],
    };
    expect(searchChanges(result)).toEqual([
      { kind: 'delete', inodeId: 7, logicalTime: 3 },
      { kind: 'move', dirInodeId: 10, oldPath: '/a/old', newPath: '/b/new', newAncestorIds: [1, 5] },
    ]);
  });
});
