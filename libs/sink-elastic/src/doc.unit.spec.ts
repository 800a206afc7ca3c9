import {
  ancestorPaths,
  buildInodeSource,
  inodeDoc,
  inodeDocId,
  moveSource,
  moveSourceThrough,
  nameWords,
  projectAndDataset,
} from './doc';
import { docAt } from './fixtures.spec';

describe('ancestorPaths', () => {
  it.each([
    ['/', []],
    ['/Projects', ['/']],
    ['/Projects/demo/Resources/a.csv', ['/', '/Projects', '/Projects/demo', '/Projects/demo/Resources']],
    ['/a//b/', ['/', '/a']],
  ])('%s -> %j', (path, expected) => {
    expect(ancestorPaths(path)).toEqual(expected);
  });
});

describe('nameWords', () => {
  it.each([
    ['quarterly_report-2024.CSV', 'quarterly report 2024 CSV'],
    ['model.pb', 'model pb'],
    ['__init__.py', 'init py'],
    ['données_été.parquet', 'données été parquet'],
    ['---', ''],
  ])('%s -> %s', (name, words) => {
    expect(nameWords(name)).toBe(words);
  });
});

describe('projectAndDataset', () => {
  it.each([
    ['/', null, null],
    ['/Projects', null, null],
    ['/Projects/demo', 'demo', null],
    ['/Projects/demo/Models', 'demo', 'Models'],
    ['/Projects/demo/Models/mnist/1/model.pb', 'demo', 'Models'],
    ['/apps/hive/warehouse/demo_featurestore.db', null, null],
    ['/projects/demo/x', null, null],
  ])('%s -> project %s, dataset %s', (path, project, dataset) => {
    expect(projectAndDataset(path)).toEqual({ project, dataset });
  });
});

describe('buildInodeSource', () => {
  it('maps every field and derives the path fields', () => {
    const source = buildInodeSource(
      docAt(42, '/Projects/demo/Resources/data.csv', {
        logicalTime: 7,
        xattrs: { tags: 'pii,gold', owner_team: 'ml' },
        lastAppId: 'application_1_0001',
      }),
    );
    expect(source).toMatchObject({
      inode_id: 42,
      path: '/Projects/demo/Resources/data.csv',
      ancestor_paths: ['/', '/Projects', '/Projects/demo', '/Projects/demo/Resources'],
      ancestor_ids: [1, 2, 3, 4],
      parent_id: 4,
      depth: 4,
      project: 'demo',
      dataset: 'Resources',
      logical_time: 7,
      mtime: 1_700_000_000_000,
      xattr_names: ['owner_team', 'tags'],
      xattr_pairs: ['owner_team=ml', 'tags=pii,gold'],
      xattr_text: 'ml\npii,gold',
      xattrs: { tags: 'pii,gold', owner_team: 'ml' },
      last_app_id: 'application_1_0001',
    });
    expect(inodeDocId(42)).toBe('42');
  });

  it('cuts long xattr values in the keyword pairs but keeps them whole for display', () => {
    const long = 'v'.repeat(10_000);
    const source = buildInodeSource(docAt(1, '/a', { xattrs: { big: long } }));
    expect(source.xattr_pairs[0]).toBe(`big=${'v'.repeat(256)}`);
    expect(source.xattrs.big).toBe(long);
  });
});

/** The tree the move tests start from: /a/bc shares a prefix with /a/b but is no child of it. */
const ids = new Map([
  ['/', 1],
  ['/a', 2],
  ['/a/b', 3],
  ['/a/b/c', 4],
  ['/a/bc', 8],
  ['/x', 9],
]);

describe('moveSource', () => {
  const move = { dirInodeId: 3, oldPath: '/a/b', newPath: '/x/renamed', newAncestorIds: [1, 9] };

  it('replaces the prefix and recomputes ancestors, depth, project and dataset', () => {
    const source = buildInodeSource(docAt(5, '/a/b/c/file.txt', {}, ids));
    const moved = moveSource(source, { ...move, newPath: '/Projects/p/ds', newAncestorIds: [1, 20, 21] })!;
    expect(moved).toMatchObject({
      path: '/Projects/p/ds/c/file.txt',
      ancestor_paths: ['/', '/Projects', '/Projects/p', '/Projects/p/ds', '/Projects/p/ds/c'],
      ancestor_ids: [1, 20, 21, 3, 4],
      depth: 5,
      project: 'p',
      dataset: 'ds',
      name: 'file.txt',
      logical_time: source.logical_time,
    });
  });

  it('leaves a sibling with a similar prefix alone', () => {
    const sibling = buildInodeSource(docAt(6, '/a/bc/file.txt', {}, ids));
    expect(moveSource(sibling, move)).toBeUndefined();
  });

  it('leaves the moved directory itself and documents already at the new path alone', () => {
    expect(moveSource(buildInodeSource(docAt(3, '/a/b', {}, ids)), move)).toBeUndefined();
    const already = buildInodeSource(docAt(7, '/x/renamed/f', { ancestorIds: [1, 9, 3] }));
    expect(moveSource(already, move)).toBeUndefined();
  });

  it('finds the directory by id, so a move whose old path is unknown still applies', () => {
    const source = buildInodeSource(docAt(5, '/a/b/c/file.txt', {}, ids));
    expect(moveSource(source, { ...move, oldPath: null })).toMatchObject({
      path: '/x/renamed/c/file.txt',
      ancestor_ids: [1, 9, 3, 4],
    });
  });

  it('fixes a document left at an older path of the directory (a replay after a crash)', () => {
    // The directory was /a/b, then /old/b (a move whose rewrite never ran), and now moves again.
    const stale = buildInodeSource(docAt(5, '/a/b/c/file.txt', {}, ids));
    const moved = moveSource(stale, { ...move, oldPath: '/old/b' })!;
    expect(moved.path).toBe('/x/renamed/c/file.txt');
    expect(moved.ancestor_paths).toEqual(['/', '/x', '/x/renamed', '/x/renamed/c']);
  });

  it('applies nested moves in sequence', () => {
    const source = buildInodeSource(docAt(5, '/a/b/c/file.txt', {}, ids));
    const first = moveSource(source, move)!;
    const second = moveSource(first, {
      dirInodeId: 4,
      oldPath: '/x/renamed/c',
      newPath: '/y',
      newAncestorIds: [1],
    })!;
    expect(second).toMatchObject({
      path: '/y/file.txt',
      ancestor_paths: ['/', '/y'],
      ancestor_ids: [1, 4],
      depth: 2,
    });
  });
});

describe('moveSourceThrough', () => {
  const file = buildInodeSource(docAt(5, '/a/b/c/file.txt', { pathEpoch: 3 }, ids));
  const bToX = { dirInodeId: 3, oldPath: '/a/b', newPath: '/x/b', newAncestorIds: [1, 9], epoch: 4 };
  const cToTop = { dirInodeId: 4, oldPath: '/x/b/c', newPath: '/c', newAncestorIds: [1], epoch: 4 };
  const bBack = { dirInodeId: 3, oldPath: '/x/b', newPath: '/a/b', newAncestorIds: [1, 2], epoch: 4 };

  it('composes nested moves in order, each on the result of the one before', () => {
    const out = moveSourceThrough(file, [bToX, cToTop])!;
    expect(out.lastMove).toBe(1);
    expect(out.source).toMatchObject({ path: '/c/file.txt', ancestor_ids: [1, 4], path_epoch: 4 });
    // In the other order c leaves b first, so b's move no longer carries it.
    expect(moveSourceThrough(file, [{ ...cToTop, oldPath: '/a/b/c' }, bToX])!.source.path).toBe(
      '/c/file.txt',
    );
  });

  it('names the last move that changed the document, not the last move', () => {
    const other = { dirInodeId: 77, oldPath: '/o', newPath: '/p', newAncestorIds: [1], epoch: 4 };
    expect(moveSourceThrough(file, [bToX, other])!.lastMove).toBe(0);
  });

  it('leaves a document moved away and back where it is', () => {
    expect(moveSourceThrough({ ...file, path_epoch: 4 }, [bToX, bBack])).toBeUndefined();
    expect(moveSourceThrough(file, [])).toBeUndefined();
  });

  it('rewrites a document moved away and back when the move is newer than its path (path_epoch)', () => {
    expect(moveSourceThrough(file, [bToX, bBack])).toMatchObject({
      source: { path: '/a/b/c/file.txt', path_epoch: 4 },
      lastMove: 1,
    });
  });

  it('lets every move older than the path lose, and applies the newer ones', () => {
    const newer = { ...file, path_epoch: 5 };
    expect(moveSourceThrough(newer, [bToX])).toBeUndefined();
    expect(moveSourceThrough(newer, [bToX, { ...cToTop, oldPath: '/a/b/c', epoch: 6 }])).toMatchObject({
      source: { path: '/c/file.txt', path_epoch: 6 },
      lastMove: 1,
    });
  });
});

describe('inodeDoc', () => {
  const state = {
    inodeId: 7,
    parentId: 3,
    name: 'f.csv',
    isDir: false,
    size: 10,
    owner: 'alice',
    group: 'p__alice',
    permission: 0o644,
    mtimeMs: 1_000,
    logicalTime: 5,
    xattrs: { a: '1' },
    oversizedXattrs: { big: 99_999 },
  };
  const place = { path: '/Projects/p/f.csv', ancestorIds: [1, 2, 3] };

  it("takes the state's fields but its oversized xattrs, the place, and the origin's last change", () => {
    const origin = { lastOperation: 'CREATE', lastAppId: null, lastCommitTsMs: 900 };
    const { oversizedXattrs, ...stored } = state;
    expect(oversizedXattrs).toEqual({ big: 99_999 });
    expect(inodeDoc(state, place, origin)).toStrictEqual({ ...stored, ...place, ...origin });
  });

  it('is versioned by the change its last_* fields describe, and carries the path epoch when given', () => {
    const doc = inodeDoc(state, place, {
      lastOperation: 'APPEND',
      lastAppId: 'app_1',
      lastCommitTsMs: 950,
      logicalTime: 4,
      pathEpoch: 12,
    });
    expect(doc).toMatchObject({ logicalTime: 4, pathEpoch: 12, lastAppId: 'app_1' });
  });
});
