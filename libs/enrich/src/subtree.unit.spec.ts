import { createFilter, DEFAULT_FILTER_CONFIG, parseTagRule } from '@epipe/filter';
import { MemoryMetadataReader } from './memory-reader';
import { readSubtree, type ResyncView, type SubtreePage } from './subtree';

/**
 * /Projects (2) / p (3) / data (4) / in (10): a (11, file), d (12, dir, tagged off) / x (13),
 * e (14, dir) / y (15, file, tagged debug), f (16, dir) / z (17, file).
 */
function world(): MemoryMetadataReader {
  const db = new MemoryMetadataReader();
  const dir = (inodeId: number, parentId: number, name: string, xattrs: Record<string, string> = {}) =>
    db.addInode({ inodeId, parentId, name, isDir: true, xattrs });
  const file = (inodeId: number, parentId: number, name: string, xattrs: Record<string, string> = {}) =>
    db.addInode({ inodeId, parentId, name, xattrs, logicalTime: 3 });
  dir(1, 0, '');
  dir(2, 1, 'Projects');
  dir(3, 2, 'p');
  dir(4, 3, 'data');
  dir(10, 4, 'in');
  file(11, 10, 'a');
  dir(12, 10, 'd', { 'epipe.log': 'off' });
  file(13, 12, 'x');
  dir(14, 12, 'e');
  file(15, 14, 'y', { 'epipe.log': 'debug' });
  dir(16, 10, 'f');
  file(17, 16, 'z');
  return db;
}

const filter = createFilter({
  ...DEFAULT_FILTER_CONFIG,
  include: ['/Projects/**'],
  exclude: ['/Projects/*/scratch/**'],
  tags: [parseTagRule('epipe.log=off:off', 0), parseTagRule('epipe.log=debug:debug', 1)],
});

const view = (path: string): ResyncView => ({
  dirInodeId: 10,
  logId: 77,
  epoch: 9,
  path,
  ancestorIds: [1, 2, 3, 4, 10],
  tags: null,
});

async function collect(pages: AsyncIterable<SubtreePage>): Promise<SubtreePage[]> {
  const out: SubtreePage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('readSubtree', () => {
  it('says which descendants the filters cover, inheriting the nearest tag, at paths below the directory', async () => {
    const pages = await collect(
      readSubtree(view('/Projects/p/data/in'), world(), filter, { maxXattrBytes: 100 }),
    );
    const covered = pages.flatMap((p) => p.covered);
    expect(Object.fromEntries(covered.map((d) => [d.state.inodeId, d.path]))).toEqual({
      11: '/Projects/p/data/in/a',
      15: '/Projects/p/data/in/d/e/y', // debug below off: the nearest tag wins
      16: '/Projects/p/data/in/f',
      17: '/Projects/p/data/in/f/z',
    });
    expect(covered.find((d) => d.state.inodeId === 17)!.ancestorIds).toEqual([1, 2, 3, 4, 10, 16]);
    expect(pages.flatMap((p) => p.uncovered).sort((a, b) => a - b)).toEqual([12, 13, 14]);
  });

  it('under an excluded path covers only what a tag publishes', async () => {
    const pages = await collect(
      readSubtree(view('/Projects/p/scratch/in'), world(), filter, { maxXattrBytes: 100 }),
    );
    expect(pages.flatMap((p) => p.covered).map((d) => d.state.inodeId)).toEqual([15]);
    expect(pages.flatMap((p) => p.uncovered).sort((a, b) => a - b)).toEqual([11, 12, 13, 14, 16, 17]);
  });

  it('pages every directory, however small the page, holding one cursor per open directory', async () => {
    const db = world();
    for (let i = 0; i < 7; i++) db.addInode({ inodeId: 100 + i, parentId: 16, name: `n${i}` });
    const pages = await collect(
      readSubtree(view('/Projects/p/data/in'), db, filter, { maxXattrBytes: 100, pageSize: 2 }),
    );
    expect(pages.every((p) => p.covered.length + p.uncovered.length <= 2)).toBe(true);
    const seen = pages.flatMap((p) => [...p.covered.map((d) => d.state.inodeId), ...p.uncovered]);
    expect(seen.sort((a, b) => a - b)).toEqual(
      [11, 12, 13, 14, 15, 16, 17, ...Array.from({ length: 7 }, (_, i) => 100 + i)].sort((a, b) => a - b),
    );
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('reads the children of many small directories in one query each page, holding a page of directories per level', async () => {
    const db = world();
    // 40 directories of 3 files each below `f` (16), and one deeper chain.
    let next = 1000;
    for (let d = 0; d < 40; d++) {
      const dir = next++;
      db.addInode({ inodeId: dir, parentId: 16, name: `d${String(d).padStart(2, '0')}`, isDir: true });
      for (let f = 0; f < 3; f++) db.addInode({ inodeId: next++, parentId: dir, name: `f${f}` });
    }
    const queries: number[][] = [];
    const children = db.children.bind(db);
    db.children = (parentIds, after, limit) => {
      queries.push([...parentIds]);
      return children(parentIds, after, limit);
    };
    const pages = await collect(
      readSubtree(view('/Projects/p/data/in'), db, filter, { maxXattrBytes: 100, pageSize: 50 }),
    );
    const seen = pages.flatMap((p) => [...p.covered.map((d) => d.state.inodeId), ...p.uncovered]);
    expect(seen).toHaveLength(7 + 40 * 4);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages.every((p) => p.covered.length + p.uncovered.length <= 50)).toBe(true);
    // One directory at a time would be 1 + 4 + 40 queries and more; a group is read together.
    expect(queries.length).toBeLessThanOrEqual(10);
    expect(Math.max(...queries.map((q) => q.length))).toBeLessThanOrEqual(50);
    const byPath = new Map(pages.flatMap((p) => p.covered).map((d) => [d.path, d]));
    expect(byPath.get('/Projects/p/data/in/f/d07/f2')!.ancestorIds).toEqual([1, 2, 3, 4, 10, 16, 1028]);
  });

  it('reads a tag whose value is over maxXattrBytes as the events do, not as untagged', async () => {
    // "off" (3 bytes) fits, "debug" (5) does not: y's own debug tag must still win over d's off.
    const pages = await collect(
      readSubtree(view('/Projects/p/data/in'), world(), filter, { maxXattrBytes: 3 }),
    );
    expect(pages.flatMap((p) => p.covered).map((d) => d.state.inodeId)).toContain(15);
    expect(pages.flatMap((p) => p.uncovered)).not.toContain(15);
  });

  it('takes the last change from a row still logged at the same logical time, else none', async () => {
    const db = world();
    const edge = { parentId: 10, name: 'a', isDir: false, deletePending: false };
    db.logged.set(11, {
      inodeId: 11,
      ...edge,
      change: { logicalTime: 3, operation: 'APPEND', appId: 'app_1', commitTsMs: 5 },
    });
    db.logged.set(17, {
      inodeId: 17,
      ...edge,
      change: { logicalTime: 2, operation: 'CREATE', appId: null, commitTsMs: 4 },
    });
    const covered = (
      await collect(readSubtree(view('/Projects/p/data/in'), db, filter, { maxXattrBytes: 100 }))
    ).flatMap((p) => p.covered);
    expect(covered.find((d) => d.state.inodeId === 11)!.last).toEqual({
      logicalTime: 3,
      operation: 'APPEND',
      appId: 'app_1',
      commitTsMs: 5,
    });
    expect(covered.find((d) => d.state.inodeId === 17)!.last).toBeNull();
  });

  it('leaves a child that moved away between its page and its state to its own row', async () => {
    const db = world();
    const children = db.children.bind(db);
    db.children = async (parentIds, after, limit) => {
      const edges = await children(parentIds, after, limit);
      if (parentIds.includes(10)) db.inodes.get(11)!.parentId = 4; // moved out under the reader's feet
      return edges;
    };
    const pages = await collect(readSubtree(view('/Projects/p/data/in'), db, filter, { maxXattrBytes: 100 }));
    const seen = pages.flatMap((p) => [...p.covered.map((d) => d.state.inodeId), ...p.uncovered]);
    expect(seen).not.toContain(11);
  });
});
