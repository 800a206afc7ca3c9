import { PathTree } from './path-tree';
import { InheritedTags } from './tags';
import { row, world } from './testing/fixtures';

describe('InheritedTags', () => {
  /** world() with the tag epipe=off on data (4), and a file 40 in data, a file 41 in p (3). */
  async function setUp(tagNames: string[] = ['epipe']) {
    const db = world();
    db.addInode({ inodeId: 4, parentId: 3, name: 'data', isDir: true, xattrs: { epipe: 'off' } });
    db.addInode({ inodeId: 40, parentId: 4, name: 'f' });
    db.addInode({ inodeId: 41, parentId: 3, name: 'g' });
    const tree = new PathTree(1024 * 1024);
    const rows = [row('CREATE', 40, 4, 'f'), row('CREATE', 41, 3, 'g')];
    await tree.ensure(
      rows.map((r) => r.parentId),
      db,
    );
    const tags = new InheritedTags(tagNames, 1024 * 1024);
    const edgeReads = db.calls;
    await tags.prefetch(rows, tree, db);
    return { db, tree, tags, rows, tagReads: db.calls - edgeReads };
  }

  it("gives an inode its nearest tagged ancestor's tags, and none where no ancestor has any", async () => {
    const { tree, tags, rows, tagReads } = await setUp();
    expect(tagReads).toBe(1); // one query per tag name, for the rows' inodes and ancestors together
    expect(tags.of(rows[0]!, tree)).toEqual({ epipe: 'off' });
    expect(tags.of(rows[1]!, tree)).toBeNull();
  });

  it("prefers the inode's own tags to its ancestors'", async () => {
    const { db, tree } = await setUp();
    db.addInode({ inodeId: 42, parentId: 4, name: 'h', xattrs: { epipe: 'on' } });
    const tags = new InheritedTags(['epipe'], 1024 * 1024);
    const own = row('CREATE', 42, 4, 'h');
    await tags.prefetch([own], tree, db);
    expect(tags.of(own, tree)).toEqual({ epipe: 'on' });
  });

  it('reads a tag again when the batch changes it, and the cached ones not at all', async () => {
    const { db, tree, tags, rows } = await setUp();
    const before = db.calls;
    await tags.prefetch(rows, tree, db);
    expect(db.calls).toBe(before);
    db.addInode({ inodeId: 4, parentId: 3, name: 'data', isDir: true, xattrs: { epipe: 'on' } });
    const change = row('XATTR_UPDATE', 4, 3, 'data', { isDir: true, xattrName: 'epipe' });
    await tags.prefetch([change, rows[0]!], tree, db);
    expect(db.calls).toBe(before + 1);
    expect(tags.of(rows[0]!, tree)).toEqual({ epipe: 'on' });
  });

  it('reads nothing when the filter has no tag rule', async () => {
    const { tree, tags, rows, tagReads } = await setUp([]);
    expect(tagReads).toBe(0);
    expect(tags.of(rows[0]!, tree)).toBeNull();
    expect(tags.bytes).toBe(0);
  });
});
