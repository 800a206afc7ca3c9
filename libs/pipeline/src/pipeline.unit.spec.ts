import {
  type Batch,
  createMetrics,
  EpipeError,
  type FileEvent,
  type LogRow,
  silentLogger,
} from '@epipe/core';
import type { EnrichResult } from '@epipe/enrich';
import type { ChunkLike } from '@epipe/epoch';
import type { PipelineConfig } from './config';
import type { PipelineDeps } from './deps';
import { runPipeline } from './pipeline';
import { MemoryLogAcknowledger } from './testing/memory-acknowledger';
import { memorySource } from './testing/memory-source';
import { until } from '../../core/src/testing/wait';

/** Hand-written fakes for every port: the pipeline's ordering and memory logic without servers. */
function rows(from: number, count: number): LogRow[] {
  return Array.from({ length: count }, (_, i) => ({
    logId: from + i,
    inodeId: (from + i) % 7,
    parentId: 1,
    name: `f${from + i}`,
    isDir: false,
    projectId: null,
    datasetId: null,
    operation: 'APPEND',
    logicalTime: from + i,
    appId: null,
    userId: 1,
    xattrName: null,
    commitTsMs: Date.now(),
  }));
}

/** The pipeline's tests call it with the live source's `hold` and the table as positionals. */
const source = (chunks: ChunkLike[], hold = false, table?: MemoryLogAcknowledger) =>
  memorySource(chunks, { hold, ...(table ? { table } : {}) });

const enricher = {
  enrich: (batch: Batch): Promise<EnrichResult> =>
    Promise.resolve({
      events: batch.rows.map(
        (r, i) => ({ logId: r.logId, inodeId: r.inodeId, epoch: batch.epoch, seq: i }) as FileEvent,
      ),
      filtered: 0,
      docs: [],
      deletes: [],
      moves: [],
      dead: [],
    }),
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A promise a hanging fake awaits, and what ends the hang. */
function hold(): { released: Promise<void>; release: () => void } {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  return { released, release };
}
const noRows = (): Promise<{ logId: number; commitTsMs: number }[]> => Promise.resolve([]);

/** An acknowledger that remembers what it deleted. */
function recordingAcker(deleted: number[]): PipelineDeps['acker'] {
  return {
    oldestRows: noRows,
    deleteRows: (ids) => {
      deleted.push(...ids);
      return Promise.resolve(ids.length);
    },
  };
}

type TestDeps = PipelineDeps & PipelineConfig;

/** Epochs of 5 ms or 10 rows, never held open (the test of holding sets its own budget). */
const EPOCH: PipelineConfig['epoch'] = {
  maxEpochMs: 5,
  maxBusyEpochMs: 5,
  maxEpochRows: 10,
  maxEpochBytes: 1e9,
  maxBatchRows: 25,
  maxBatchBytes: 1e9,
};

function deps(overrides: Partial<TestDeps>): TestDeps {
  return {
    source: source([]),
    enricher,
    kafka: null,
    elastic: null,
    acker: { deleteRows: (ids) => Promise.resolve(ids.length), oldestRows: noRows },
    metrics: createMetrics(),
    logger: silentLogger(),
    epoch: EPOCH,
    maxInflightBytes: 1e9,
    shutdownTimeoutMs: 10_000,
    missedRowAgeMs: 0,
    ...overrides,
  };
}

/** The helper's object carries the config too. */
const start = (d: TestDeps, signal: AbortSignal): Promise<void> => runPipeline(d, d, signal);

/** Runs a pipeline until `condition` holds, then stops it and waits for it to drain. */
async function runUntil(
  overrides: Partial<TestDeps>,
  condition: () => boolean | Promise<boolean>,
  what: string,
): Promise<void> {
  const controller = new AbortController();
  const done = start(deps(overrides), controller.signal);
  await until(condition, what);
  controller.abort();
  await done;
}

function chunks(n: number, size: number): ChunkLike[] {
  return Array.from({ length: n }, (_, i) => ({
    rows: rows(i * size + 1, size),
    poison: [],
    final: true,
    bytes: size * 100,
  }));
}

describe('runPipeline', () => {
  it('acknowledges batches in order even when sinks finish out of order, and drains on stop', async () => {
    const acked: number[] = [];
    const published: number[][] = [];
    const src = source(chunks(30, 4), true);
    await runUntil(
      {
        source: src,
        // Random latency per call: later batches often finish their sink call first.
        kafka: {
          publish: async (events) => {
            await sleep(Math.random() * 8);
            published.push(events.map((e) => e.logId));
            return { rejected: [] };
          },
          publishDeadLetters: () => Promise.resolve(),
        },
        acker: {
          oldestRows: noRows,
          deleteRows: async (ids) => {
            await sleep(Math.random() * 5);
            acked.push(...ids);
            return ids.length;
          },
        },
      },
      () => src.pulled === 30,
      'every chunk read',
    );
    expect(acked).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(published.flat()).toEqual(acked);
  });

  it('retries a retriable sink failure in place, reporting not-ready meanwhile', async () => {
    let calls = 0;
    const readiness: boolean[] = [];
    const table = new MemoryLogAcknowledger();
    const deleted = table.deleted;
    await runUntil(
      {
        source: source(chunks(1, 3), true, table),
        kafka: {
          publish: () => {
            calls++;
            if (calls < 3)
              return Promise.reject(new EpipeError('SINK_KAFKA', 'broker down', { retriable: true }));
            return Promise.resolve({ rejected: [] });
          },
          publishDeadLetters: () => Promise.resolve(),
        },
        acker: table,
        onReady: (ready) => readiness.push(ready),
      },
      () => deleted.length >= 3,
      'three rows deleted',
    );
    expect(calls).toBe(3);
    expect(readiness).toContain(false);
    expect(readiness.at(-1)).toBe(true);
  });

  it('stays not-ready while one sink fails, whatever the other systems answer', async () => {
    let kafkaUp = false;
    const readiness: boolean[] = [];
    const table = new MemoryLogAcknowledger();
    const deleted = table.deleted;
    const controller = new AbortController();
    const done = start(
      deps({
        source: source(chunks(4, 2), true, table),
        epoch: { ...EPOCH, maxEpochRows: 2 },
        elastic: { apply: () => Promise.resolve({ rejected: [] }) },
        kafka: {
          publish: () =>
            kafkaUp
              ? Promise.resolve({ rejected: [] })
              : Promise.reject(new EpipeError('SINK_KAFKA', 'broker down', { retriable: true })),
          publishDeadLetters: () => Promise.resolve(),
        },
        acker: table,
        onReady: (ready) => readiness.push(ready),
      }),
      controller.signal,
    );
    // Enrichment and the search index keep succeeding for later batches meanwhile.
    await until(() => readiness.filter((r) => !r).length >= 3, 'three not-ready reports');
    expect(readiness.slice(readiness.indexOf(false))).not.toContain(true);
    kafkaUp = true;
    await until(() => deleted.length >= 8, 'eight rows deleted');
    controller.abort();
    await done;
    expect(readiness.at(-1)).toBe(true);
  });

  it('reports no readiness from a call that completes after the lifetime failed', async () => {
    const readiness: boolean[] = [];
    let finishPublish: () => void = () => undefined;
    const publishing = new Promise<void>((resolve) => (finishPublish = resolve));
    let enriched = 0;
    const run = start(
      deps({
        source: source(chunks(2, 2), true),
        epoch: { ...EPOCH, maxEpochRows: 2 },
        // The first batch's publish hangs; the second batch cannot be enriched at all.
        enricher: {
          enrich: (batch) =>
            ++enriched === 1 ? enricher.enrich(batch) : Promise.reject(new Error('broken row')),
        },
        kafka: {
          publish: () => publishing.then(() => ({ rejected: [] })),
          publishDeadLetters: () => Promise.resolve(),
        },
        onReady: (ready) => readiness.push(ready),
      }),
      new AbortController().signal,
    );
    await expect(run).rejects.toThrow('broken row');
    const reported = readiness.length;
    finishPublish();
    await publishing;
    // Let the pipeline's continuations of the publish run.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(readiness.slice(reported)).toEqual([]);
  });

  it('ends the lifetime with the error when a failure is not retriable, deleting nothing', async () => {
    const table = new MemoryLogAcknowledger();
    const deleted = table.deleted;
    const run = start(
      deps({
        source: source(chunks(3, 2), true, table),
        elastic: { apply: () => Promise.reject(new EpipeError('SINK_ELASTIC', 'mapping broken')) },
        enricher: {
          enrich: async (batch) => ({
            ...(await enricher.enrich(batch)),
            deletes: [{ inodeId: 1, logicalTime: 1 }],
          }),
        },
        acker: table,
      }),
      new AbortController().signal,
    );
    await expect(run).rejects.toThrow('mapping broken');
    expect(deleted).toEqual([]);
  });

  it('dead-letters poison rows and sink refusals, then deletes their log rows', async () => {
    const letters: string[] = [];
    const table = new MemoryLogAcknowledger();
    const deleted = table.deleted;
    const poisoned: ChunkLike = {
      rows: rows(1, 2),
      poison: [{ logId: 3, raw: { log_id: 3, operation: 99 }, reason: 'unknown operation code 99' }],
      final: true,
      bytes: 300,
    };
    await runUntil(
      {
        source: source([poisoned], true, table),
        kafka: {
          publish: (events) =>
            Promise.resolve({ rejected: [{ event: events[0]!, reason: 'message too large' }] }),
          publishDeadLetters: (dead) => {
            letters.push(...dead.map((d) => `${d.logId}:${d.stage}:${d.reason}`));
            return Promise.resolve();
          },
        },
        acker: table,
      },
      () => deleted.length >= 3,
      'three rows deleted',
    );
    expect(letters.sort()).toEqual(['1:kafka:message too large', '3:parse:unknown operation code 99']);
    expect(deleted.sort()).toEqual([1, 2, 3]);
  });

  it("names the inode's newest row in the dead letter of a document the index refused", async () => {
    const letters: string[] = [];
    const table = new MemoryLogAcknowledger();
    const deleted = table.deleted;
    const withDocs = {
      enrich: async (batch: Batch): Promise<EnrichResult> => {
        const result = await enricher.enrich(batch);
        const last = result.events.at(-1);
        if (!last) return result;
        const state = {
          inodeId: last.inodeId,
          parentId: 1,
          name: 'f',
          isDir: false,
          size: 1,
          owner: null,
          group: null,
          permission: 0o644,
          mtimeMs: 0,
          logicalTime: 9,
          xattrs: {},
        };
        return { ...result, docs: [{ state, path: '/f', ancestorIds: [1], last }] };
      },
    };
    await runUntil(
      {
        source: source([{ rows: rows(1, 2), poison: [], final: true, bytes: 200 }], true, table),
        enricher: withDocs,
        elastic: {
          apply: (changes) =>
            Promise.resolve({ rejected: changes.map((change) => ({ change, reason: 'immense term' })) }),
        },
        kafka: {
          publish: () => Promise.resolve({ rejected: [] }),
          publishDeadLetters: (dead) => {
            letters.push(...dead.map((d) => `${d.logId}:${d.inodeId}:${d.stage}:${d.reason}`));
            return Promise.resolve();
          },
        },
        acker: table,
      },
      () => deleted.length >= 2,
      'two rows deleted',
    );
    expect(letters).toEqual(['2:2:elasticsearch:immense term']);
  });

  it("times each batch's enrich and each row's epoch wait, and samples searchable lag after the search sink's ack", async () => {
    const metrics = createMetrics();
    const committedAt = Date.now() - 2_000; // rows that waited 2 s before the daemon read them
    const old = chunks(3, 4).map((c) => ({
      ...c,
      rows: c.rows.map((r) => ({ ...r, commitTsMs: committedAt })),
    }));
    let enrichCalls = 0;
    const searched: number[] = [];
    const controller = new AbortController();
    const done = start(
      deps({
        source: source(old, true),
        metrics,
        enricher: {
          enrich: async (batch) => {
            enrichCalls++;
            const result = await enricher.enrich(batch);
            const docs = batch.rows.map((r) => ({
              state: { inodeId: r.inodeId, parentId: 1, name: r.name, isDir: false, size: 0, owner: null },
              path: `/${r.name}`,
              ancestorIds: [1],
              last: { logicalTime: r.logicalTime, operation: 'APPEND', commitTsMs: r.commitTsMs, app: null },
            }));
            return { ...result, docs: docs as unknown as EnrichResult['docs'] };
          },
        },
        elastic: {
          apply: () => Promise.resolve({ rejected: [] }),
          searchable: (inodeId) => {
            searched.push(inodeId);
            return Promise.resolve(true);
          },
        },
        searchableProbe: { everyMs: 0, pollMs: 1, giveUpMs: 60_000 },
      }),
      controller.signal,
    );
    const series = async (h: { get(): Promise<{ values: { metricName?: string; value: number }[] }> }) => {
      const values = (await h.get()).values;
      const pick = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0;
      return { count: pick('_count'), sum: pick('_sum') };
    };
    try {
      await until(async () => (await series(metrics.epochWait)).count === 12, 'every row observed');
      await until(async () => (await series(metrics.searchableLag)).count > 0, 'a searchable sample');
    } finally {
      controller.abort();
      await done;
    }
    expect((await series(metrics.epochWait)).sum).toBeGreaterThanOrEqual(12 * 2);
    expect((await series(metrics.enrichLatency)).count).toBe(enrichCalls);
    expect(enrichCalls).toBeGreaterThan(0);
    expect((await series(metrics.searchRefreshWait)).count).toBe((await series(metrics.searchableLag)).count);
    expect((await series(metrics.searchableLag)).sum).toBeGreaterThanOrEqual(2);
    expect(searched.length).toBeGreaterThan(0);
  });

  it('does not queue empty epochs behind a slow sink', async () => {
    const metrics = createMetrics();
    const controller = new AbortController();
    let calls = 0;
    let most = 0;
    const { released, release } = hold();
    const done = start(
      deps({
        source: source(chunks(1, 2), true),
        metrics,
        kafka: {
          publish: async () => {
            calls++;
            await released; // while this hangs, the ticker closes an empty epoch every ~3 ms
            return { rejected: [] };
          },
          publishDeadLetters: () => Promise.resolve(),
        },
      }),
      controller.signal,
    );
    const epochsClosed = async (): Promise<number> => (await metrics.epochs.get()).values[0]?.value ?? 0;
    await until(async () => {
      most = Math.max(most, (await metrics.inflightBatches.get()).values[0]?.value ?? 0);
      return (await epochsClosed()) >= 20;
    }, 'twenty epochs closed behind the hanging publish');
    release();
    controller.abort();
    await done;
    expect(calls).toBe(1);
    expect(most).toBe(1);
  });

  it('enriches at most three batches ahead of delivery, whatever the byte budget admits', async () => {
    const metrics = createMetrics();
    const counts = { enriched: 0, published: 0 };
    const { released, release } = hold();
    const controller = new AbortController();
    const src = source(chunks(10, 10), true); // ten batches, all admitted at once
    const done = start(
      deps({
        enricher: {
          enrich: (batch) => {
            counts.enriched++;
            return enricher.enrich(batch);
          },
        },
        kafka: {
          publish: async (events) => {
            await released; // the sink hangs on the first batch
            counts.published += events.length;
            return { rejected: [] };
          },
          publishDeadLetters: () => Promise.resolve(),
        },
        source: src,
        metrics,
      }),
      controller.signal,
    );
    await until(
      async () => (await metrics.inflightBatches.get()).values[0]?.value === 10 && counts.enriched >= 3,
      'ten batches dispatched, three enriched',
    );
    // Unbounded, the other seven would be enriched within a turn of the event loop.
    await new Promise((r) => setImmediate(r));
    // Batch 1 is in the sink; batches 2 and 3 wait enriched; the other seven wait as rows.
    expect(counts.enriched).toBe(3);
    release();
    await until(() => counts.published === 100, 'every event published');
    controller.abort();
    await done;
    expect(counts.enriched).toBeGreaterThanOrEqual(10);
  });

  it('stops reading when the byte budget is spent and resumes as batches are acknowledged', async () => {
    const metrics = createMetrics();
    let maxInflight = 0;
    const src = source(chunks(40, 5), true); // 500 bytes per chunk
    const controller = new AbortController();
    let acked = 0;
    const { released, release } = hold();
    const done = start(
      deps({
        source: src,
        metrics,
        maxInflightBytes: 2_000,
        acker: {
          oldestRows: noRows,
          deleteRows: async (ids) => {
            const inflight = (await metrics.inflightBytes.get()).values[0]?.value ?? 0;
            maxInflight = Math.max(maxInflight, inflight);
            await released;
            acked += ids.length;
            return ids.length;
          },
        },
      }),
      controller.signal,
    );
    // The acker hangs: the source must stop once the budget is spent.
    await until(
      async () => (await metrics.sourcePaused.get()).values[0]?.value === 1,
      'the source paused for the byte budget',
    );
    expect(src.pulled).toBeLessThan(40);
    release();
    await until(() => acked === 200, 'every row acknowledged');
    controller.abort();
    await done;
    expect(src.pulled).toBe(40);
    expect(maxInflight).toBeLessThanOrEqual(2_000);
  });

  it('keeps dead letters in the search sink when Kafka is off, or refuses them, before deleting their rows', async () => {
    const recorded: string[] = [];
    const deleted: number[] = [];
    const poisoned = (from: number): ChunkLike => ({
      rows: rows(from, 1),
      poison: [
        { logId: from + 1, raw: { log_id: from + 1, operation: 99 }, reason: 'unknown operation code 99' },
      ],
      final: true,
      bytes: 200,
    });
    const elastic = {
      apply: () => Promise.resolve({ rejected: [] }),
      recordDeadLetters: (letters: { logId?: number; stage: string }[]) => {
        // Recorded before the rows are deleted, or a crash in between would lose them.
        for (const l of letters) expect(deleted).not.toContain(l.logId);
        recorded.push(...letters.map((l) => `${l.logId}:${l.stage}`));
        return Promise.resolve();
      },
    };
    await runUntil(
      { source: source([poisoned(1)], true), elastic, acker: recordingAcker(deleted) },
      () => deleted.length >= 2,
      'the rows deleted',
    );
    expect(recorded).toEqual(['2:parse']);

    // With Kafka on, only what the topic refuses goes to the search sink.
    recorded.length = 0;
    deleted.length = 0;
    await runUntil(
      {
        source: source([poisoned(10)], true),
        elastic,
        kafka: {
          publish: () => Promise.resolve({ rejected: [] }),
          publishDeadLetters: (letters) => Promise.resolve({ refused: letters }),
        },
        acker: recordingAcker(deleted),
      },
      () => deleted.length >= 2,
      'the rows deleted',
    );
    expect(recorded).toEqual(['11:parse']);
  });

  it('deletes the rows of a batch only after the subtrees it moved across the filters are synced', async () => {
    const deleted: number[] = [];
    const synced: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const view = { dirInodeId: 9, logId: 1, epoch: 1, path: '/p/in', ancestorIds: [1, 9], tags: null };
    const controller = new AbortController();
    const metrics = createMetrics();
    const run = start(
      deps({
        metrics,
        source: source(chunks(1, 2), true),
        enricher: {
          // Empty epochs (progress only) move nothing.
          enrich: async (batch) => ({
            ...(await enricher.enrich(batch)),
            resyncs: batch.rows.length > 0 ? [view] : [],
          }),
          async *subtree() {
            yield await Promise.resolve({ covered: [], uncovered: [20, 21] });
            yield { covered: [], uncovered: [22] };
          },
        },
        elastic: {
          apply: () => Promise.resolve({ rejected: [] }),
          syncSubtree: async (page) => {
            synced.push(page.absent);
            await gate;
            return { written: 0, kept: 0, deleted: page.absent.length, rejected: [] };
          },
        },
        acker: recordingAcker(deleted),
      }),
      controller.signal,
    );
    await until(() => synced.length === 1, 'the first page');
    await sleep(50); // the ack would have run by now if it did not wait
    expect(deleted).toEqual([]);
    release();
    await until(() => deleted.length === 2, 'the rows to be deleted');
    controller.abort();
    await run;
    expect(synced).toEqual([[20, 21], [22]]);
    // One subtree (the batch that carried rows), its documents counted by what the index did.
    const counted = async (name: string): Promise<string> =>
      (await metrics.registry.getSingleMetricAsString(name))
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .join('\n');
    expect(await counted('epipe_resync_total')).toBe('epipe_resync_total 1');
    expect(await counted('epipe_resync_documents_total')).toContain(
      'epipe_resync_documents_total{outcome="deleted"} 3',
    );
  });

  it('behind a slow sink, holds epochs open: fewer, bigger batches, every row delivered in order', async () => {
    /** One transaction every 10 ms (twice the epoch budget), into a sink that takes 40 ms a call. */
    async function run(maxBusyEpochMs: number): Promise<{ calls: number; published: number[] }> {
      const published: number[] = [];
      let calls = 0;
      const total = 40;
      const paced = {
        async *read(signal: AbortSignal): AsyncIterable<ChunkLike> {
          for (const chunk of chunks(total, 2)) {
            if (signal.aborted) return;
            yield chunk;
            await sleep(10);
          }
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        },
      };
      await runUntil(
        {
          source: paced,
          epoch: { ...EPOCH, maxBusyEpochMs },
          kafka: {
            publish: async (events) => {
              calls++;
              await sleep(40);
              published.push(...events.map((e) => e.logId));
              return { rejected: [] };
            },
            publishDeadLetters: () => Promise.resolve(),
          },
        },
        () => published.length === total * 2,
        'every row published',
      );
      return { calls, published };
    }
    const eager = await run(5);
    const held = await run(1_000);
    const inOrder = Array.from({ length: 80 }, (_, i) => i + 1);
    expect(eager.published).toEqual(inOrder);
    expect(held.published).toEqual(inOrder);
    // Without holding, about one batch per transaction; holding, about one per sink call's time.
    expect(eager.calls).toBeGreaterThan(25);
    expect(held.calls * 2).toBeLessThan(eager.calls);
  });
});
