import { EpipeError, Operation } from '@epipe/core';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, type FsLogRow, type TestDatabase } from '../../../test/support/db';
import { testEnv } from '../../../test/support/env';
import { NameNode } from './namenode';

/**
 * Several name nodes, each with its own pool, hammer a few inodes at once. Whatever interleaving
 * the server picks, every inode's log must read as one history: in log_id order its mutations
 * carry logical_time 1, 2, 3, ... with no duplicate and no gap, each read carries the version
 * of the mutation before it, and the inode ends at its last logged version.
 */
const WORKERS = 4;
const OPS_PER_WORKER = 60;
const FILES = 5;

let db: TestDatabase;
const pools: Pool[] = [];
const nodes: NameNode[] = [];

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

beforeAll(async () => {
  db = await createTestDatabase('t_concurrent', { connectionLimit: 3 });
  nodes.push(db.nameNode);
  for (let i = 1; i < WORKERS; i++) {
    const pool = createPool({
      ...testEnv().mysql,
      database: db.database,
      connectionLimit: 3,
      multipleStatements: true,
    });
    pools.push(pool);
    nodes.push(new NameNode(pool));
  }
  const nn = db.nameNode;
  const ctx = { user: 'setup' };
  await nn.mkdir('/c/A', ctx, { parents: true });
  await nn.mkdir('/c/B', ctx);
  await nn.create('/c/hot', ctx);
  for (let f = 0; f < FILES; f++) await nn.create(`/c/A/f${f}`, ctx);
});

afterAll(async () => {
  for (const pool of pools) await pool.end();
  await db.drop();
});

/** Where a file is now: files move between /c/A and /c/B, and /c/B is renamed back and forth. */
async function locate(nn: NameNode, name: string): Promise<string> {
  for (const dir of ['/c/A', '/c/B', '/c/B2']) if (await nn.stat(`${dir}/${name}`)) return `${dir}/${name}`;
  return `/c/A/${name}`;
}

async function worker(index: number): Promise<{ ok: number; refused: number }> {
  const nn = nodes[index]!;
  const random = prng(1000 + index);
  const ctx = { user: `w${index}` };
  let ok = 0;
  let refused = 0;
  for (let i = 0; i < OPS_PER_WORKER; i++) {
    const name = random() < 0.3 ? 'hot' : `f${Math.floor(random() * FILES)}`;
    const path = name === 'hot' ? '/c/hot' : await locate(nn, name);
    const dice = random();
    try {
      if (dice < 0.25) await nn.append(path, 10, ctx);
      else if (dice < 0.45) await nn.setXattr(path, `k${Math.floor(random() * 2)}`, `v${index}.${i}`, ctx);
      else if (dice < 0.55) await nn.removeXattr(path, `k${Math.floor(random() * 2)}`, ctx);
      else if (dice < 0.65) await nn.chmod(path, 0o600 + index, ctx);
      else if (dice < 0.8) await nn.read(path, ctx);
      else if (dice < 0.95 && name !== 'hot') {
        const to = path.startsWith('/c/A/') ? (random() < 0.5 ? '/c/B' : '/c/B2') : '/c/A';
        await nn.rename(path, `${to}/${name}`, ctx);
      } else if (index === 0) {
        // Renaming an ancestor while others resolve paths through it.
        if (await nn.stat('/c/B')) await nn.rename('/c/B', '/c/B2', ctx);
        else await nn.rename('/c/B2', '/c/B', ctx);
      } else await nn.read(path, ctx);
      ok++;
    } catch (err) {
      // Races make paths go stale (a file moved away) or xattrs vanish; nothing else may fail.
      if (!(err instanceof EpipeError) || err.code !== 'INVALID_OPERATION') throw err;
      refused++;
    }
  }
  return { ok, refused };
}

it('keeps every inode history gap-free and strictly increasing in commit order', async () => {
  const [before] = await db.pool.query<RowDataPacket[]>('SELECT MAX(log_id) AS max FROM fs_log');
  const setupMax = Number(before[0]!.max);
  const results = await Promise.all(nodes.map((_, i) => worker(i)));
  const ok = results.reduce((n, r) => n + r.ok, 0);
  const refused = results.reduce((n, r) => n + r.refused, 0);
  expect(ok).toBeGreaterThan(WORKERS * OPS_PER_WORKER * 0.5);

  const [logRows] = await db.pool.query<(FsLogRow & RowDataPacket)[]>('SELECT * FROM fs_log ORDER BY log_id');
  // Exactly one row per successful operation (each touches one inode), none for refused ones.
  expect(logRows.filter((r) => r.log_id > setupMax)).toHaveLength(ok);
  expect(ok + refused).toBe(WORKERS * OPS_PER_WORKER);

  const byInode = new Map<number, FsLogRow[]>();
  for (const r of logRows) byInode.set(r.inode_id, [...(byInode.get(r.inode_id) ?? []), r]);
  const [inodes] = await db.pool.query<RowDataPacket[]>(
    'SELECT id, logical_time, parent_id, name FROM inodes WHERE id > 1',
  );
  for (const inode of inodes) {
    const history = byInode.get(Number(inode.id)) ?? [];
    let version = 0;
    let commitTs = 0;
    for (const r of history) {
      if (r.operation === Operation.ACCESS) {
        expect(r.logical_time).toBe(version);
      } else {
        expect(r.logical_time).toBe(++version);
      }
      // Stamped under the inode's lock, so commit timestamps never go back for one inode.
      expect(r.commit_ts_ms).toBeGreaterThanOrEqual(commitTs);
      commitTs = r.commit_ts_ms;
    }
    expect(inode.logical_time).toBe(version);
    const lastPlacement = [...history]
      .reverse()
      .find((r) => r.operation === Operation.CREATE || r.operation === Operation.RENAME);
    expect([lastPlacement?.parent_id, lastPlacement?.inode_name]).toEqual([inode.parent_id, inode.name]);
  }

  // The xattrs left are exactly those whose last logged operation was an ADD or UPDATE.
  const expected = new Set<string>();
  for (const r of logRows) {
    if (r.xattr_name === null) continue;
    const key = `${r.inode_id}/${r.xattr_name}`;
    if (r.operation === Operation.XATTR_DELETE) expected.delete(key);
    else expected.add(key);
  }
  const [xattrs] = await db.pool.query<RowDataPacket[]>('SELECT inode_id, name FROM xattrs');
  expect(new Set(xattrs.map((x) => `${Number(x.inode_id)}/${String(x.name)}`))).toEqual(expected);
});
