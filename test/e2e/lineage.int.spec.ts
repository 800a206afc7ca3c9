import type { NameNode } from '@epipe/metastore';
import { runLineageStory, type LineageStory } from '@epipe/workload';
import { activity } from '@epipe/query';
import type { ProvenanceIndex } from '@epipe/sink-elastic';
import { auditedRows, logRowsLeft, readTopic, waitFor } from '../support/checker';
import { provenanceTopic } from '../support/daemon';
import {
  createStoryProjects,
  GRACE_MS,
  lineageOf,
  nodeNames,
  openProvenanceIndex,
  SHORT_WINDOWS,
  WINDOW_MS,
} from '../support/provenance';
import { E2eRun } from '../support/run';

/**
 * Issue 9's first story, driven through the name node with a running daemon: file operations
 * that follow the artifact conventions go through the binlog, the pipeline's coalesce stage and
 * the provenance index; lineage then answers from what the daemon wrote.
 */
const P = 'p1';

describe('lineage through the daemon (real stack)', () => {
  let run: E2eRun;
  let index: ProvenanceIndex;
  let nn: NameNode;
  let story: LineageStory;
  let lastWriteMs = 0;
  let emptiedAfterMs = 0;

  beforeAll(async () => {
    run = await E2eRun.create('lin', { audit: true, connectionLimit: 8 });
    nn = run.db.nameNode;
    await run.startReadyDaemon(SHORT_WINDOWS);
    index = openProvenanceIndex(run.env, run.names);

    await createStoryProjects(nn, [P]);
    story = await runLineageStory(nn, { project: P, user: 'alice', trainingReads: 2_000 });
    lastWriteMs = Date.now();

    // Rows wait in fs_log until the windows holding them are published.
    await run.waitForEmptyLog(WINDOW_MS + GRACE_MS + 10_000 + 120_000);
    emptiedAfterMs = Date.now() - lastWriteMs;
    await index.refresh();
  }, 600_000);

  afterAll(async () => {
    await index?.close();
    await run?.close();
  });

  it('empties fs_log once the last windows close (window + grace + 10 s is the bound; printed, not asserted)', async () => {
    // A wall-clock bound would fail on a loaded machine for reasons that are not epipe's:
    // beforeAll waited for the condition under a generous cap; the time is reported.
    expect(await logRowsLeft(run.pool)).toBe(0);
    process.stdout.write(
      `[story 1] fs_log empty ${emptiedAfterMs} ms after the last write (bound ${WINDOW_MS + GRACE_MS + 10_000} ms)\n`,
    );
  });

  it('lineage fraud/1 --depth 2 is exactly td_1, fg_a_1 and fg_b_2, with their apps, jobs and run R', async () => {
    const r = await lineageOf(index, 'fraud/1', P, { depth: 2 });
    expect(nodeNames(r)).toEqual(['fg_a/1', 'fg_b/2', 'fraud/1', 'td/1']);
    expect(r.truncated).toBe(false);
    const byName = new Map(r.nodes.map((n) => [n.artifact!.name, n]));
    expect(byName.get('td')!.producers.map((p) => [p.jobName, p.pipelineRun])).toEqual([
      ['make_td', story.pipelineRun],
    ]);
    expect(byName.get('fg_a')!.producers.map((p) => [p.jobName, p.pipelineRun])).toEqual([
      ['make_fg_a', story.pipelineRun],
    ]);
    expect(byName.get('fg_b')!.producers.map((p) => p.jobName)).toEqual(['make_fg_b']);
    expect(byName.get('fraud')!.producers.map((p) => p.jobName)).toEqual(['train_fraud']);
  });

  it("depth 3 adds only Resources' dataset; downstream of fg_a_1 is td_1 and fraud/1", async () => {
    const up3 = await lineageOf(index, 'fraud/1', P, { depth: 3 });
    expect(nodeNames(up3)).toEqual(['Resources/-', 'fg_a/1', 'fg_b/2', 'fraud/1', 'td/1']);
    const down = await lineageOf(index, story.paths.fgA, undefined, { depth: 5, direction: 'down' });
    expect(nodeNames(down)).toEqual(['fg_a/1', 'fraud/1', 'td/1']);
  });

  it('turns the 2,000 reads of td_1 into at most windows + 1 ACCESS events whose counts sum to 2,000', async () => {
    const tdId = (await index.resolve({ path: story.paths.td1 }, undefined))!;
    const { operations } = await activity(index, { artifact: { id: tdId }, limit: 1_000 });
    const reads = operations.filter((o) => o.op === 'ACCESS' && o.app?.jobName === 'train_fraud');
    const first = Math.min(...reads.map((o) => o.firstCommitTsMs));
    const last = Math.max(...reads.map((o) => o.lastCommitTsMs));
    const windows = Math.floor(last / WINDOW_MS) - Math.floor(first / WINDOW_MS) + 1;
    expect(reads.reduce((n, o) => n + o.count, 0)).toBe(2_000);
    expect(reads.length).toBeLessThanOrEqual(windows + 1);
    const all = await index.operations({ size: 10_000 });
    const rowsWritten = await auditedRows(run.pool);
    console.log(
      `lineage through the daemon: raw rows : provenance events = ${rowsWritten} : ${all.length} ` +
        `(${(rowsWritten / all.length).toFixed(1)}x); 2,000 reads of td_1 → ${reads.length} ACCESS in ${windows} window(s); ` +
        `fs_log empty ${emptiedAfterMs} ms after the last write`,
    );
  });
});

describe('a clean stop flushes provenance windows (real stack)', () => {
  let run: E2eRun;

  afterAll(() => run?.close());

  it('holds rows behind a ten-minute window while running, and on SIGTERM publishes it and deletes them', async () => {
    run = await E2eRun.create('linstop', { connectionLimit: 4 });
    const daemon = await run.startReadyDaemon({
      EPIPE_PROVENANCE_WINDOW_MS: '600000',
      EPIPE_PROVENANCE_MAX_OPEN_MS: '600000',
    });
    const nn = run.db.nameNode;
    await nn.createUser('alice');
    await nn.createProject(P, 'alice');
    await nn.createDataset(P, 'Resources', { user: 'alice' });
    const ctx = { user: 'alice' };
    await nn.mkdir(`/Projects/${P}/Resources/raw`, ctx);
    for (let i = 0; i < 50; i++) await nn.create(`/Projects/${P}/Resources/raw/f${i}`, ctx, { size: 1 });
    for (let i = 0; i < 50; i++) await nn.read(`/Projects/${P}/Resources/raw/f${i}`, ctx);
    // Every file event is delivered while the rows wait for the open windows.
    await waitFor('the rows to be delivered and their deletion deferred', async () => {
      const text = await daemon.metrics.registry.getSingleMetricAsString('epipe_ack_rows_deferred');
      return Number(/ (\d+)$/m.exec(text)?.[1] ?? 0) >= 100;
    });
    expect(await logRowsLeft(run.pool)).toBeGreaterThanOrEqual(100);
    await daemon.stop();
    expect(daemon.state.phase).toBe('stopped');
    expect(await logRowsLeft(run.pool)).toBe(0);
    const events: { op: string; count: number; artifact: { name: string } }[] = [];
    await readTopic(run.env.kafkaBrokers, provenanceTopic(run.names), ({ value }) => {
      if (value) events.push(JSON.parse(value.toString('utf8')) as (typeof events)[number]);
    });
    const byOp = (op: string) => events.filter((e) => e.op === op).reduce((n, e) => n + e.count, 0);
    expect(byOp('ACCESS')).toBe(50);
    expect(byOp('MUTATION')).toBeGreaterThanOrEqual(50);
  }, 180_000);
});
