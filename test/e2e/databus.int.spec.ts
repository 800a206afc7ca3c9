import type { Delivery } from '@epipe/client';
import { HOPSFS_MIX, runWorkload, setupWorkload } from '@epipe/workload';
import { auditedRows, logRowsLeft, searchDocuments } from '../support/checker';
import type { InProcessDaemon } from '../support/daemon';
import { E2eRun } from '../support/run';
import { schemaValidators } from '../support/schemas';

/**
 * The databus on the real stack: random operations from concurrent writers go through MariaDB's
 * binlog, the daemon, Kafka and Elasticsearch; the shared checker compares every sink with the
 * database.
 */
describe('databus end to end', () => {
  let run: E2eRun;
  let daemon: InProcessDaemon;
  const received: Delivery[] = [];

  beforeAll(async () => {
    run = await E2eRun.create('e2e', { audit: true, connectionLimit: 12 });
    daemon = await run.startReadyDaemon();
    await run.subscribe(received, { dedupe: false });
  });

  afterAll(() => run?.close());

  const quiesce = () => run.quiesce(received);

  it('delivers every row of thousands of concurrent random operations, per-inode ordered, and the index equals the database', async () => {
    const setup = await setupWorkload(run.db.nameNode, 'e2e', 4);
    const stats = await runWorkload(run.db.nameNode, setup, {
      project: 'e2e',
      writers: 4,
      operations: 3_000,
      ratePerSec: 0,
      mix: HOPSFS_MIX,
      seed: 11,
    });
    expect(stats.operations).toBeGreaterThanOrEqual(3_000);
    await quiesce();

    expect(await auditedRows(run.pool)).toBeGreaterThan(3_000);
    expect(await run.deliveryProblems(received)).toEqual([]);
    expect(await logRowsLeft(run.pool)).toBe(0);

    // Every event the daemon published is valid against the published JSON Schema.
    const { fileEvent } = schemaValidators();
    const invalid = received.filter((r) => !fileEvent(r.event)).slice(0, 3);
    expect(invalid.map((r) => ({ event: r.event, errors: fileEvent.errors }))).toEqual([]);

    // Events carry their context: a path, a project, the writer's app and its job.
    const created = received.map((r) => r.event).find((e) => e.operation === 'CREATE' && e.app !== null)!;
    expect(created.path).toMatch(/^\/Projects\/e2e\//);
    expect(created.project?.name).toBe('e2e');
    expect(created.app?.jobName).toMatch(/feature_engineering|training/);
  });

  it('reflects a directory rename and move in every descendant, also when later writes follow', async () => {
    const nn = run.db.nameNode;
    const ctx = { user: 'alice' };
    const base = '/Projects/e2e/Resources';
    await nn.mkdir(`${base}/tree/a/b/c`, ctx, { parents: true });
    for (const dir of ['tree', 'tree/a', 'tree/a/b', 'tree/a/b/c']) {
      for (let i = 0; i < 5; i++) await nn.create(`${base}/${dir}/f${i}`, ctx, { size: i });
    }
    await quiesce();
    // Rename, then write below the renamed directory in the following transactions.
    await nn.rename(`${base}/tree`, `${base}/renamed`, ctx);
    await nn.append(`${base}/renamed/a/b/c/f1`, 10, ctx);
    await nn.create(`${base}/renamed/a/new`, ctx, { size: 1 });
    // Move a subtree to another dataset, then rename an ancestor of its old place.
    await nn.rename(`${base}/renamed/a/b`, '/Projects/e2e/Models/b', ctx);
    await nn.append('/Projects/e2e/Models/b/c/f2', 5, ctx);
    await nn.rename(`${base}/renamed`, `${base}/renamed2`, ctx);
    await quiesce();

    const docs = [...(await searchDocuments(run.env.elasticUrl, run.names.index)).values()];
    const paths = docs.map((d) => d.path);
    expect(paths.filter((p) => p.startsWith(`${base}/tree`))).toEqual([]);
    expect(paths.filter((p) => p.startsWith(`${base}/renamed/`))).toEqual([]);
    expect(paths).toEqual(
      expect.arrayContaining([
        `${base}/renamed2/a/new`,
        '/Projects/e2e/Models/b/c/f1',
        '/Projects/e2e/Models/b/c/f2',
      ]),
    );
    expect(docs.find((d) => d.path === '/Projects/e2e/Models/b/c/f1')!.size).toBe(11);
    expect(await run.deliveryProblems(received)).toEqual([]);
  });

  it('resumes after a clean stop with nothing lost: rows written while stopped are delivered on restart', async () => {
    await daemon.stop();
    expect(daemon.state.phase).toBe('stopped');
    const nn = run.db.nameNode;
    const ctx = { user: 'bob' };
    await nn.mkdir('/Projects/e2e/Logs/while-stopped', ctx);
    for (let i = 0; i < 50; i++) await nn.create(`/Projects/e2e/Logs/while-stopped/f${i}`, ctx, { size: i });
    expect(await logRowsLeft(run.pool)).toBe(51);
    daemon = run.startDaemon();
    await quiesce();
    expect(await run.deliveryProblems(received)).toEqual([]);
  });
});
