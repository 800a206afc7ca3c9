import { placeRow } from './old-path';
import { PathTree } from './path-tree';
import { row } from './testing/fixtures';

/** Where a row placed its inode when it moved nothing: a path, and no old one. */
const noOldPath = (path: string) => ({ path, oldPath: null, oldAncestorIds: null });

/** / (1) -> a (2), b (3); a holds dir d (4), which holds file f (5). */
function tree(): PathTree {
  const t = new PathTree(1024 * 1024);
  t.set({ inodeId: 2, parentId: 1, name: 'a', isDir: true });
  t.set({ inodeId: 3, parentId: 1, name: 'b', isDir: true });
  t.set({ inodeId: 4, parentId: 2, name: 'd', isDir: true });
  t.set({ inodeId: 5, parentId: 4, name: 'f', isDir: false });
  return t;
}

describe('placeRow (the old-path guess)', () => {
  it('gives a rename the place the cache showed before it, then moves the edge', () => {
    const t = tree();
    const place = placeRow(t, row('RENAME', 4, 3, 'e', { isDir: true }));
    expect(place).toEqual({ path: '/b/e', oldPath: '/a/d', oldAncestorIds: [1, 2] });
    // The next row of the batch sees the tree after the rename.
    expect(t.path(5)).toBe('/b/e/f');
  });

  it('leaves the old path unknown when the cache already shows the new place (a replay after a restart)', () => {
    const t = tree();
    t.set({ inodeId: 4, parentId: 3, name: 'e', isDir: true });
    expect(placeRow(t, row('RENAME', 4, 3, 'e', { isDir: true }))).toEqual(noOldPath('/b/e'));
  });

  it('knows the old path of a rename whose inode was not cached as nothing', () => {
    const t = tree();
    expect(placeRow(t, row('RENAME', 9, 3, 'new'))).toEqual(noOldPath('/b/new'));
    expect(t.path(9)).toBe('/b/new');
  });

  it('gives other operations no old path, and a DELETE removes the edge', () => {
    const t = tree();
    expect(placeRow(t, row('APPEND', 5, 4, 'f'))).toEqual(noOldPath('/a/d/f'));
    expect(placeRow(t, row('DELETE', 5, 4, 'f'))).toEqual(noOldPath('/a/d/f'));
    expect(t.get(5)).toBeUndefined();
  });

  it('has no path while an ancestor is unknown', () => {
    const t = tree();
    expect(placeRow(t, row('CREATE', 20, 99, 'x')).path).toBeNull();
  });
});
