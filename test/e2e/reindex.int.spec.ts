import { HOPSFS_MIX, runWorkload, setupWorkload } from '@epipe/workload';
import { dispatch } from '../../services/epipe/src/cli/index';
import { memoryIo } from '../../services/epipe/src/cli/io';
import { runReindex } from '../../services/epipe/src/reindex/run';
import type { InProcessDaemon } from '../support/daemon';
import { createProjectDirs } from '../support/db';
import { E2eRun } from '../support/run';

/**
 * `epipe reindex` on the real stack while the daemon runs under load: interrupted once and run
 * again, searches through the alias never come back empty, and at the end the new index equals
 * the database (the shared checker, paths after directory moves included).
 */
describe('epipe reindex', () => {
  let run: E2eRun;
  let daemon: InProcessDaemon;

  beforeAll(async () => {
    run = await E2eRun.create('reindex', { audit: true, connectionLimit: 8 });
    daemon = await run.startReadyDaemon();
  });

  afterAll(() => run?.close());

  const aliasTargets = async (): Promise<string[]> => {
    const res = await fetch(`${run.env.elasticUrl}/_alias/${run.names.index}`);
    return Object.keys((await res.json()) as object).sort();
  };

  it('rebuilds the index under load, resumes after an interruption, and never serves an empty alias', async () => {
    const setup = await setupWorkload(run.db.nameNode, 'reindex', 3);
    await runWorkload(run.db.nameNode, setup, {
      project: 'reindex',
      writers: 3,
      operations: 5_000,
      ratePerSec: 0,
      mix: HOPSFS_MIX,
      seed: 5,
    });
    // A directory that moves back and forth all through the copy, its files' paths with it.
    const ctx = { user: 'alice' };
    await run.db.nameNode.mkdir('/Projects/reindex/mover/a', ctx, { parents: true });
    for (let i = 0; i < 30; i++)
      await run.db.nameNode.create(`/Projects/reindex/mover/a/f${i}.csv`, ctx, { size: i });
    await run.waitForEmptyLog();
    expect(await aliasTargets()).toEqual([`${run.names.index}-v1`]);
    // The old index is right to begin with: whatever the sweep deletes later appeared during the copy.
    expect(await run.searchProblems()).toEqual([]);
    let moving = true;
    let moves = 0;
    const mover = (async () => {
      for (let at = 'a'; moving; moves++) {
        const to = at === 'a' ? 'b' : 'a';
        await run.db.nameNode.rename(`/Projects/reindex/mover/${at}`, `/Projects/reindex/mover/${to}`, ctx);
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
        const res = await fetch(
          `${run.env.elasticUrl}/${run.names.index}/_search?size=0&track_total_hits=true`,
        );
        const body = (await res.json()) as { hits?: { total: { value: number } }; error?: unknown };
        searches++;
        if (!res.ok || !body.hits || body.hits.total.value === 0)
          empty.push(`${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const load = runWorkload(run.db.nameNode, setup, {
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
    expect(await aliasTargets()).toEqual([`${run.names.index}-v1`, `${run.names.index}-v2`]);

    const io = memoryIo(run.daemonEnv());
    // Small pages, each written, refreshed and checked for moves: the copy spans the load.
    const code = await dispatch(['reindex', '--page-size', '10'], io);
    expect(io.stderr).toMatch(/reindex: resuming/);
    expect(io.stderr).toMatch(/100% \d+\/\d+ inodes/);
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/-> .*-v2: \d+ inodes copied.*\(resumed\)/);
    expect(await aliasTargets()).toEqual([`${run.names.index}-v2`]);
    const stats = await load;
    moving = false;
    await mover;

    await run.waitForEmptyLog();
    searching = false;
    await poller;
    const problems = await run.searchProblems();
    process.stdout.write(
      `[reindex] ${stats.operations} operations and ${moves} directory moves during the rebuild; ${searches} searches, ${empty.length} empty; ${io.stdout}`,
    );
    expect(problems).toEqual([]);
    expect(empty).toEqual([]);
    expect(searches).toBeGreaterThan(10);

    // A second rebuild, with the daemon quiet: v3, same contents.
    const again = memoryIo(run.daemonEnv());
    expect(await dispatch(['reindex'], again)).toBe(0);
    expect(await aliasTargets()).toEqual([`${run.names.index}-v3`]);
    expect(await run.searchProblems()).toEqual([]);
  });
});

/**
 * With path and tag rules configured, reindex builds the filtered view the daemon builds: the
 * live inodes whose path the globs keep and whose nearest tagged inode does not switch them off.
 */
describe('epipe reindex with path and tag rules', () => {
  let run: E2eRun;
  const rules = { EPIPE_FILTER_EXCLUDE: '/Projects/*/Logs/**', EPIPE_FILTER_TAGS: 'logging=off:off' };

  beforeAll(async () => {
    run = await E2eRun.create('reindexf');
    await run.startReadyDaemon(rules);
  });

  afterAll(() => run?.close());

  const files = async (): Promise<string[]> =>
    [...(await run.documents()).values()]
      .map((d) => d.path)
      .filter((p) => /\/f\d$/.test(p))
      .sort();

  it('copies only what the rules keep, as the daemon indexed it', async () => {
    const ctx = { user: 'alice' };
    await createProjectDirs(run.db.nameNode, 'rf', ['data', 'Logs', 'quiet']);
    await run.db.nameNode.setXattr('/Projects/rf/quiet', 'logging', 'off', ctx);
    for (const dir of ['data', 'Logs', 'quiet'])
      for (let i = 0; i < 3; i++) await run.db.nameNode.create(`/Projects/rf/${dir}/f${i}`, ctx, { size: i });
    await run.waitForEmptyLog();
    const kept = ['/Projects/rf/data/f0', '/Projects/rf/data/f1', '/Projects/rf/data/f2'];
    expect(await files()).toEqual(kept);

    const io = memoryIo(run.daemonEnv(rules));
    expect(await dispatch(['reindex'], io)).toBe(0);
    expect(io.stderr).toMatch(/left out by the filter rules/);
    // At least the six files below Logs and quiet (and quiet itself, which its own tag switches off).
    const left = Number(
      /-> .*-v2: \d+ inodes copied, (\d+) left out by the filter rules/.exec(io.stdout)?.[1],
    );
    expect(left).toBeGreaterThanOrEqual(6);
    expect(await files()).toEqual(kept);
  });
});
