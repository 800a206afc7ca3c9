import type { FileEvent, OperationName } from '@epipe/core';
import { SearchViews } from './doc-views';
import { PathTree } from './path-tree';
import { world } from './testing/fixtures';

let logId = 0;
function event(operation: OperationName, inodeId: number, extra: Partial<FileEvent> = {}): FileEvent {
  return {
    logId: ++logId,
    inodeId,
    operation,
    logicalTime: 1,
    isDir: false,
    epoch: 7,
    ...extra,
  } as FileEvent;
}

describe('SearchViews (document views)', () => {
  const tree = new PathTree(1024 * 1024);
  tree.set({ inodeId: 2, parentId: 1, name: 'a', isDir: true });
  tree.set({ inodeId: 3, parentId: 2, name: 'd', isDir: true });

  it('deletes what was deleted and moves moved directories whether or not the filter kept them', () => {
    const views = new SearchViews();
    views.see(event('DELETE', 10, { logicalTime: 4 }), tree);
    views.see(event('RENAME', 3, { isDir: true, path: '/a/d', oldPath: '/d' }), tree);
    views.see(event('RENAME', 11, { path: '/a/f', oldPath: '/f' }), tree); // a file: no move
    views.see(event('RENAME', 12, { isDir: true, path: null, oldPath: '/x' }), tree); // place unknown
    expect(views.deletes()).toEqual([{ inodeId: 10, logicalTime: 4 }]);
    expect(views.moves).toEqual([
      { dirInodeId: 3, epoch: 7, oldPath: '/d', newPath: '/a/d', newAncestorIds: [1, 2, 3] },
    ]);
    expect(views.upsertIds()).toEqual([]);
  });

  it('drops the document of an inode whose change left the covered set, and only then', () => {
    const views = new SearchViews();
    views.uncover(event('RENAME', 30, { logicalTime: 2 }), true); // moved out
    views.uncover(event('APPEND', 31, { logicalTime: 2 }), false); // was never in: no delete
    views.cover(event('CREATE', 32, { logicalTime: 1 }));
    views.uncover(event('APPEND', 32, { logicalTime: 2 }), false); // in, then out in one batch
    views.uncover(event('RENAME', 33, { logicalTime: 2 }), true);
    views.cover(event('RENAME', 33, { logicalTime: 3 })); // out, then in again
    views.uncover(event('RENAME', 34, { logicalTime: 2 }), true);
    views.see(event('DELETE', 34, { logicalTime: 3 }), tree); // deleted: the delete says it
    expect(views.uncovered()).toEqual([
      { inodeId: 30, logicalTime: 2 },
      { inodeId: 32, logicalTime: 2 },
    ]);
    expect(views.upsertIds()).toEqual([33]);
  });

  it('rewrites the document of an inode written and kept, from its newest change, unless it was deleted', () => {
    const views = new SearchViews();
    for (const e of [
      event('CREATE', 20),
      event('APPEND', 20, { logicalTime: 2 }),
      event('ACCESS', 20, { logicalTime: 3 }), // a read changes nothing the index shows
      event('CREATE', 21),
      event('DELETE', 21, { logicalTime: 2 }),
      event('ACCESS', 22),
    ]) {
      views.see(e, tree);
      views.cover(e);
    }
    expect(views.upsertIds()).toEqual([20]);
    expect(views.newestLogicalTime(20)).toBe(2);
  });

  it('places each document where its inode is now, loading the parents the batch did not see', async () => {
    const db = world();
    db.addInode({ inodeId: 30, parentId: 4, name: 'f', logicalTime: 5 });
    const views = new SearchViews();
    const last = event('APPEND', 30, { logicalTime: 2 });
    views.cover(last);
    const [state] = await db.states([30], 100);
    const docs = await views.docs([state!], new PathTree(1024 * 1024), db);
    expect(docs).toEqual([{ state, path: '/Projects/p/data/f', ancestorIds: [1, 2, 3, 4], last }]);
  });
});
