import type { Delivery } from '@epipe/client';
import type { FilterConfig } from '@epipe/filter';
import { filterConfig } from '@epipe/filter';
import { checkSearchState, waitFor } from '../support/checker';
import { daemonConfig, type InProcessDaemon } from '../support/daemon';
import { createProjectDirs } from '../support/db';
import { E2eRun } from '../support/run';
import { FaultScenario } from '../faults/support/scenario';

/**
 * The search index holds exactly the live inodes the path and tag rules cover, at their current
 * paths (DESIGN.md, Filter), also when a directory crosses the boundary: moved into a covered
 * subtree, its descendants (whose rows were all filtered) appear; moved out, or tagged off, they
 * disappear; a tag removed or switched to debug brings them back. Their rows are long gone, so
 * the daemon reads the subtree from the database. Changes the operation rules do not publish
 * still keep a covered inode's document current.
 */
describe('filters at the boundary end to end', () => {
  let run: E2eRun;
  let daemon: InProcessDaemon;
  let filter: FilterConfig;
  const received: Delivery[] = [];
  const ctx = { user: 'alice' };

  beforeAll(async () => {
    run = await E2eRun.create('e2e_fbound', { audit: true });
    const rules = {
      EPIPE_FILTER_INCLUDE: '/Projects/**',
      EPIPE_FILTER_EXCLUDE: '/Projects/*/scratch/**',
      EPIPE_FILTER_OPERATIONS: 'CREATE,DELETE,RENAME,XATTR_ADD,XATTR_UPDATE,XATTR_DELETE',
      EPIPE_FILTER_TAGS: 'epipe.log=off:off, epipe.log=debug:debug',
    };
    filter = filterConfig(run.daemonConfig(rules).filter);
    daemon = await run.startReadyDaemon(rules);
    await run.subscribe(received, { dedupe: false });
  });

  afterAll(() => run?.close());

  const settle = () => run.waitForEmptyLog();
  const indexedPaths = async (): Promise<string[]> =>
    [...(await run.documents()).values()].map((d) => d.path).sort();
  const check = () => run.searchProblems({ filter });
  const resyncs = async (): Promise<number> => (await daemon.metrics.resyncs.get()).values[0]?.value ?? 0;
  const docAt = async (path: string) => [...(await run.documents()).values()].find((d) => d.path === path);

  it('moves and tag switches across the boundary both ways leave the index equal to the filtered database', async () => {
    const nn = run.db.nameNode;
    await createProjectDirs(nn, 'fb', ['scratch', 'data']);
    // Written where nothing is covered: the rows are filtered, acknowledged and deleted.
    await nn.create('/Projects/fb/scratch/in/f1', ctx, { parents: true, size: 1 });
    await nn.create('/Projects/fb/scratch/in/sub/f2', ctx, { parents: true, size: 2 });
    await nn.setXattr('/Projects/fb/scratch/in/sub/f2', 'color', 'blue', ctx);
    await nn.create('/Projects/fb/scratch/dbg/f3', ctx, { parents: true });
    // Written where everything is covered.
    await nn.create('/Projects/fb/data/out/g1', ctx, { parents: true });
    await nn.create('/Projects/fb/data/out/deep/g2', ctx, { parents: true });
    await nn.create('/Projects/fb/data/quiet/h1', ctx, { parents: true });
    await nn.create('/Projects/fb/data/quiet/deep/h2', ctx, { parents: true });
    await nn.create('/Projects/fb/data/loud/k1', ctx, { parents: true });
    await nn.create('/Projects/fb/data/loud/deep/k2', ctx, { parents: true });
    await nn.create('/Projects/fb/data/calm/deep/c1', ctx, { parents: true });
    await settle();
    expect(await check()).toEqual([]);

    // A move inside the covered area changes no descendant's coverage: its documents follow the
    // move and nothing is read again from the database.
    const before = await resyncs();
    await nn.rename('/Projects/fb/data/calm', '/Projects/fb/data/quiet/calm', ctx);
    await settle();
    expect(await docAt('/Projects/fb/data/quiet/calm/deep/c1')).toBeDefined();
    expect(await resyncs()).toBe(before);
    expect(await check()).toEqual([]);

    // Across the boundary: a move in, a move out, a tag off, a debug tag below the excluded glob.
    await nn.rename('/Projects/fb/scratch/in', '/Projects/fb/data/in', ctx);
    await nn.rename('/Projects/fb/data/out', '/Projects/fb/scratch/out', ctx);
    await nn.setXattr('/Projects/fb/data/quiet', 'epipe.log', 'off', ctx);
    await nn.setXattr('/Projects/fb/scratch/dbg', 'epipe.log', 'debug', ctx);
    await nn.setXattr('/Projects/fb/data/loud', 'epipe.log', 'off', ctx);
    // Not published (APPEND is not among the operations), yet the document must follow.
    await nn.append('/Projects/fb/data/in/f1', 10, ctx);
    await settle();
    // The two moves across and the three tag switches each read their subtree again.
    expect(await resyncs()).toBeGreaterThanOrEqual(before + 5);
    const paths = await indexedPaths();
    expect(paths).toEqual(
      expect.arrayContaining([
        '/Projects/fb/data/in/f1',
        '/Projects/fb/data/in/sub/f2',
        '/Projects/fb/scratch/dbg/f3',
      ]),
    );
    for (const gone of [
      '/Projects/fb/scratch/out/g1',
      '/Projects/fb/data/quiet/h1',
      '/Projects/fb/data/loud',
    ])
      expect(paths).not.toContain(gone);
    expect(await check()).toEqual([]);
    // The APPEND went unpublished and still reached f1's document, with its own last change;
    // f2's rows were all filtered: its document, read from the database, cannot name its change.
    expect(received.some((d) => d.event.operation === 'APPEND')).toBe(false);
    expect(await docAt('/Projects/fb/data/in/f1')).toMatchObject({ size: 11, last_operation: 'APPEND' });
    expect(await docAt('/Projects/fb/data/in/sub/f2')).toMatchObject({
      xattrs: { color: 'blue' },
      last_operation: 'UNKNOWN',
    });

    // And back: out again, in again (twice in a row), the off tag removed, a file moved out alone.
    await nn.rename('/Projects/fb/data/in', '/Projects/fb/scratch/in2', ctx);
    await nn.rename('/Projects/fb/scratch/out', '/Projects/fb/data/out2', ctx);
    await nn.rename('/Projects/fb/data/out2', '/Projects/fb/data/loud/out3', ctx);
    await nn.rename('/Projects/fb/data/loud/out3', '/Projects/fb/data/out4', ctx);
    await nn.removeXattr('/Projects/fb/data/loud', 'epipe.log', ctx);
    await nn.rename('/Projects/fb/data/out4/g1', '/Projects/fb/scratch/g1', ctx);
    // A subtree tagged off, then deleted: its documents were removed already and stay so.
    await nn.delete('/Projects/fb/data/quiet', ctx, { recursive: true });
    await settle();
    const after = await indexedPaths();
    expect(after).toEqual(
      expect.arrayContaining(['/Projects/fb/data/out4/deep/g2', '/Projects/fb/data/loud/deep/k2']),
    );
    expect(after).not.toContain('/Projects/fb/scratch/in2/f1');
    expect(after).not.toContain('/Projects/fb/scratch/g1');
    expect(await check()).toEqual([]);
  });
});

/**
 * At least once across a crash: the daemon is killed while it writes the subtree of a directory
 * moved in. The rename's row must still be in the log table whenever the subtree is only partly
 * in the index (the ack waits for the resync); the next daemon replays the row, derives the same
 * resync, and the index ends equal to the filtered database.
 */
describe('filters at the boundary across a crash', () => {
  const FILES = 4_000;
  let s: FaultScenario;
  const ctx = { user: 'alice' };
  const filterEnv = { EPIPE_FILTER_INCLUDE: '/Projects/**', EPIPE_FILTER_EXCLUDE: '/Projects/*/scratch/**' };

  beforeAll(async () => {
    s = await FaultScenario.create('e2e_fbcrash', { daemonEnv: filterEnv });
  });

  afterAll(() => s?.close());

  it('writes the whole subtree after a kill in the middle of it', async () => {
    const nn = s.nameNode;
    await createProjectDirs(nn, 'fc', ['scratch', 'data']);
    for (let d = 0; d < 8; d++) await nn.mkdir(`/Projects/fc/scratch/big/d${d}`, ctx, { parents: true });
    for (let i = 0; i < FILES; i++) await nn.create(`/Projects/fc/scratch/big/d${i % 8}/f${i}`, ctx);
    await s.daemon.startReady();
    await s.quiesce(300_000);

    const moved = await nn.rename('/Projects/fc/scratch/big', '/Projects/fc/data/big', ctx);
    const below = async (): Promise<number> => {
      await fetch(`${s.env.elasticUrl}/${s.names.index}/_refresh`, { method: 'POST' });
      const res = await fetch(`${s.env.elasticUrl}/${s.names.index}/_count`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: { term: { ancestor_ids: moved.inodeId } } }),
      });
      return ((await res.json()) as { count?: number }).count ?? 0;
    };
    const renameLogged = async (): Promise<boolean> => {
      const [rows] = await s.pool.query('SELECT 1 FROM fs_log WHERE inode_id = ? LIMIT 1', [moved.inodeId]);
      return (rows as unknown[]).length > 0;
    };
    let partial = 0;
    await waitFor('the first documents of the subtree', async () => (partial = await below()) > 0, 300_000);
    await s.daemon.kill();
    // Read after the kill: nothing writes any more, so this is what the crash left.
    partial = await below();
    if (partial < FILES + 8) expect(await renameLogged()).toBe(true);

    await s.daemon.startReady();
    await s.quiesce(300_000);
    await waitFor('the whole subtree', async () => (await below()) === FILES + 8, 300_000);
    const filter = filterConfig(daemonConfig(s.names, filterEnv).filter);
    expect(await checkSearchState(s.pool, s.env.elasticUrl, s.names.index, { filter })).toEqual([]);
    process.stdout.write(`[boundary crash] killed with ${partial} of ${FILES + 8} documents written\n`);
  });
});
