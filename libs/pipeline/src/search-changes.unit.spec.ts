import type { FileEvent } from '@epipe/core';
import type { EnrichResult } from '@epipe/enrich';
import { MemoryMetadataReader } from '../../enrich/src/memory-reader';
import { searchChanges } from './search-changes';

describe('searchChanges', () => {
  it("gives the search sink a moved directory's ancestors without the directory itself", () => {
    const result: EnrichResult = {
      events: [],
      filtered: 0,
      docs: [],
      deletes: [{ inodeId: 7, logicalTime: 3 }],
      moves: [{ dirInodeId: 10, epoch: 4, oldPath: '/a/old', newPath: '/b/new', newAncestorIds: [1, 5, 10] }],
      dead: [],
    };
    expect(searchChanges(result)).toEqual([
      { kind: 'delete', inodeId: 7, logicalTime: 3 },
      {
        kind: 'move',
        dirInodeId: 10,
        epoch: 4,
        oldPath: '/a/old',
        newPath: '/b/new',
        newAncestorIds: [1, 5],
      },
    ]);
  });

  it('versions a document by the change its last_* fields describe, even when the state is newer', () => {
    // The CREATE at version 1 is enriched after an XATTR change at version 2 committed: the
    // document shows the newer state, but at version 1, so the XATTR event's own write (version
    // 2, last_operation XATTR_ADD) replaces it instead of being refused as stale.
    const last = {
      inodeId: 9,
      logicalTime: 1,
      operation: 'CREATE',
      app: null,
      commitTsMs: 1_000,
    } as FileEvent;
    const db = new MemoryMetadataReader();
    db.addInode({ inodeId: 9, parentId: 1, name: 'f', logicalTime: 2, xattrs: { tag: 'x' } });
    const state = db.inodes.get(9)!;
    const [change] = searchChanges({
      events: [last],
      filtered: 0,
      docs: [{ state, path: '/f', ancestorIds: [1], last }],
      deletes: [],
      moves: [],
      dead: [],
    });
    expect(change).toMatchObject({
      kind: 'upsert',
      doc: { logicalTime: 1, lastOperation: 'CREATE', lastCommitTsMs: 1_000, xattrs: { tag: 'x' } },
    });
  });

  it('deletes the documents of live inodes that left the covered set, versioned by that change', () => {
    const changes = searchChanges({
      events: [],
      filtered: 1,
      docs: [],
      deletes: [],
      uncovered: [{ inodeId: 8, logicalTime: 5 }],
      moves: [],
      dead: [],
    });
    expect(changes).toEqual([{ kind: 'delete', inodeId: 8, logicalTime: 5 }]);
  });
});
