import { HOPSFS_MIX, runWorkload, setupWorkload } from '@epipe/workload';
import { dispatch } from '../../services/epipe/src/cli/index';
import { memoryIo } from '../../services/epipe/src/cli/io';
import { runReindex } from '../../services/epipe/src/reindex/run';
import { checkSearchState, installAudit, logRowsLeft, waitFor } from '../support/checker';
import {
  daemonConfig,
  daemonEnv,
  dropDaemonUser,
  type DaemonNames,
  type InProcessDaemon,
  prepareDaemon,
  startInProcess,
} from '../support/daemon';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testEnv } from '../support/env';

/**
 * `epipe reindex` on the real stack while the daemon runs under load: interrupted once and run
 * again, searches through the alias never come back empty, and at the end the new index equals
 * the database (the shared checker, paths after directory moves included).
 */
describe('epipe reindex', () => {
  let db: TestDatabase;
  let names: DaemonNames;
  let daemon: InProcessDaemon;
  const env = testEnv();

  beforeAll(async () => {
    db = await createTestDatabase('reindex', { connectionLimit: 8 });
    await installAudit(db.pool);
    names = await prepareDaemon(db.database);
    daemon = startInProcess(daemonConfig(names));
    await waitFor('the daemon to be ready', () => Promise.resolve(daemon.state.ready));
  });

  afterAll(async () => {
    await daemon?.stop();
    if (names) await dropDaemonUser(names);
    await db?.drop();
    for (const v of [1, 2, 3]) await fetch(`${env.elasticUrl}/${names.index}-v${v}`, { method: 'DELETE' });
    await fetch(`${env.elasticUrl}/_index_template/${names.index}-template`, { method: 'DELETE' });
  });

  const aliasTargets = async (): Promise<string[]> => {
    const res = await fetch(`${env.elasticUrl}/_alias/${names.index}`);
    return Object.keys((await res.json()) as object).sort();
  };

  it('rebuilds the index under load, resumes after an interruption, and never serves an empty alias', async () => {
    const setup = await setupWorkload(db.nameNode, 'reindex', 3);
    await runWorkload(db.nameNode, setup, {
      project: 'reindex',
      writers: 3,
      operations: 5_000,
      ratePerSec: 0,
      mix: HOPSFS_MIX,
      seed: 5,
    });
    // A directory that moves back and forth all through the copy, its files' paths with it.
    const ctx = { user: 'alice' };
    await db.nameNode.mkdir('/Projects/reindex/mover/a', ctx, { parents: true });
    for (let i = 0; i < 30; i++)
      await db.nameNode.create(`/Projects/reindex/mover/a/f${i}.csv`, ctx, { size: i });
    await waitFor('the log table to empty', async () => (await logRowsLeft(db.pool)) === 0);
    expect(await aliasTargets()).toEqual([`${names.index}-v1`]);
    // The old index is right to begin with: whatever the sweep deletes later appeared during the copy.
    expect(await checkSearchState(db.pool, env.elasticUrl, names.index)).toEqual([]);
    let moving = true;
    let moves = 0;
    const mover = (async () => {
      for (let at = 'a'; moving; moves++) {
        const to = at === 'a' ? 'b' : 'a';
        await db.nameNode.rename(`/Projects/reindex/mover/${at}`, `/Projects/reindex/mover/${to}`, ctx);
        at = to;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // Searches through the alias all along.
    let searching = true;
    let searches = 0;
    const empty: string[] = [];
    const poller = (async () => {
      while (searching) {
        const res = await fetch(`${env.elasticUrl}/${names.index}/_search?size=0&track_total_hits=true`);
        const body = (await res.json()) as { hits?: { total: { value: number } }; error?: unknown };
        searches++;
        if (!res.ok || !body.hits || body.hits.total.value === 0)
          empty.push(`${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const load = runWorkload(db.nameNode, setup, {
      project: 'reindex',
      writers: 2,
      operations: 3_000,
      ratePerSec: 200,
      mix: HOPSFS_MIX,
      seed: 6,
    });

    await new Promise((r) => setTimeout(r, 1_000));
    // Interrupted after its first page: the alias keeps serving, writes go to the new index.
    const controller = new AbortController();
    await expect(
      runReindex(daemon.config, {
        pageSize: 100,
        signal: controller.signal,
        onProgress: (line) => {
          if (line.includes('inodes')) controller.abort(new Error('interrupted'));
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(await aliasTargets()).toEqual([`${names.index}-v1`, `${names.index}-v2`]);

    const io = memoryIo(daemonEnv(names));
    // Small pages, each written, refreshed and checked for moves: the copy spans the load.
    const code = await dispatch(['reindex', '--page-size', '10'], io);
    expect(io.stderr).toMatch(/reindex: resuming/);
    expect(io.stderr).toMatch(/100% \d+\/\d+ inodes/);
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/-> .*-v2: \d+ inodes copied.*\(resumed\)/);
    expect(await aliasTargets()).toEqual([`${names.index}-v2`]);
    const stats = await load;
    moving = false;
    await mover;

    await waitFor('the log table to empty', async () => (await logRowsLeft(db.pool)) === 0);
    searching = false;
    await poller;
    const problems = await checkSearchState(db.pool, env.elasticUrl, names.index);
    process.stdout.write(
      `[reindex] ${stats.operations} operations and ${moves} directory moves during the rebuild; ${searches} searches, ${empty.length} empty; ${io.stdout}`,
    );
    expect(problems).toEqual([]);
    expect(empty).toEqual([]);
    expect(searches).toBeGreaterThan(10);

    // A second rebuild, with the daemon quiet: v3, same contents.
    const again = memoryIo(daemonEnv(names));
    expect(await dispatch(['reindex'], again)).toBe(0);
    expect(await aliasTargets()).toEqual([`${names.index}-v3`]);
    expect(await checkSearchState(db.pool, env.elasticUrl, names.index)).toEqual([]);
  });
});
