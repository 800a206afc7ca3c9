import {
  type ArtifactState,
  type Batch,
  createMetrics,
  type FileEvent,
  type LineageEdge,
  type LogRow,
  type OperationName,
  type ProvenanceEvent,
  silentLogger,
} from '@epipe/core';
import type { EnrichResult, EventAncestors } from '@epipe/enrich';
import type { ChunkLike } from '@epipe/epoch';
import type { PipelineConfig, ProvenanceConfig } from './config';
import type { PipelineDeps } from './deps';
import { runPipeline } from './pipeline';
import type { ProvenanceIndexWriter } from './ports';
import { executionContext } from '../../core/src/testing/provenance';
import { until } from '../../core/src/testing/wait';
import { memorySource } from './testing/memory-source';

/**
 * The coalesce stage inside the pipeline, with hand-written fakes: provenance is published
 * before a batch's ack, deletion waits for the windows holding a batch's rows and stays in
 * batch order, and a clean stop flushes every window.
 */

// The tree: / (1) > Projects (2) > p (3) > p_Training_Datasets (4) > td_1 (40)
//                                        > Models (5) > fraud (6) > 1 (60)
//                                        > scratch (7)
const TD = { path: '/Projects/p/p_Training_Datasets/td_1', chain: [1, 2, 3, 4, 40] };
const MODEL = { path: '/Projects/p/Models/fraud/1', chain: [1, 2, 3, 5, 6, 60] };
const SCRATCH = { path: '/Projects/p/scratch', chain: [1, 2, 3, 7] };
const APP = executionContext('application_1_0001', {
  jobName: 'train_fraud',
  jobExecutionId: 1,
  pipelineRun: 'R',
});

let nextLogId = 1;
/** Rows of files under a folder; `inodeId` numbers the file. */
function rows(op: OperationName, under: { path: string; chain: number[] }, count: number): LogRow[] {
  return Array.from({ length: count }, () => {
    const logId = nextLogId++;
    return {
      logId,
      inodeId: 1_000 + logId,
      parentId: under.chain.at(-1)!,
      name: `part-${logId}`,
      isDir: false,
      projectId: 3,
      datasetId: null,
      operation: op,
      logicalTime: 1,
      appId: APP.appId,
      userId: 1,
      xattrName: null,
      commitTsMs: Date.now(),
    };
  });
}

const FOLDERS = [TD, MODEL, SCRATCH];

/** Paths and ancestors from the tree above, as the real enricher gives them. */
const enricher = {
  enrich: (batch: Batch): Promise<EnrichResult> => {
    const ancestors = new Map<number, EventAncestors>();
    const events = batch.rows.map((r, seq): FileEvent => {
      if (r.operation === 'RENAME') return containerRename(batch, r, seq, ancestors);
      const folder = FOLDERS.find((f) => f.chain.at(-1) === r.parentId)!;
      ancestors.set(r.logId, { ancestorIds: folder.chain, oldAncestorIds: null });
      return fileEvent(batch, r, seq, { ...r, path: `${folder.path}/${r.name}`, oldPath: null });
    });
    return Promise.resolve({ events, filtered: 0, docs: [], deletes: [], moves: [], dead: [], ancestors });
  },
};

/** The one directory rename of these tests: Models/fraud (6) becomes Models/fraud2. */
function containerRename(
  batch: Batch,
  r: LogRow,
  seq: number,
  ancestors: Map<number, EventAncestors>,
): FileEvent {
  ancestors.set(r.logId, { ancestorIds: [1, 2, 3, 5], oldAncestorIds: [1, 2, 3, 5] });
  return fileEvent(batch, r, seq, {
    inodeId: 6,
    parentId: 5,
    operation: 'RENAME',
    isDir: true,
    name: 'fraud2',
    path: '/Projects/p/Models/fraud2',
    oldPath: '/Projects/p/Models/fraud',
  });
}

/** The event of row `r` for the inode `at` describes, by user alice of project p in app APP. */
function fileEvent(
  batch: Batch,
  r: LogRow,
  seq: number,
  at: Pick<FileEvent, 'inodeId' | 'parentId' | 'operation' | 'isDir' | 'name' | 'path' | 'oldPath'>,
): FileEvent {
  return {
    schema: 'epipe.file-event',
    schemaVersion: 1,
    eventId: `meta/${r.logId}`,
    epoch: batch.epoch,
    seq,
    logId: r.logId,
    inodeId: at.inodeId,
    parentId: at.parentId,
    logicalTime: r.logicalTime,
    operation: at.operation,
    isDir: at.isDir,
    name: at.name,
    path: at.path,
    oldPath: at.oldPath,
    project: { id: 3, name: 'p' },
    dataset: null,
    user: { id: 1, name: 'alice' },
    xattrName: null,
    app: APP,
    commitTsMs: r.commitTsMs,
  };
}

const chunk = (r: LogRow[]): ChunkLike => ({ rows: r, poison: [], final: true, bytes: r.length * 100 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the sinks saw, in the order they saw it. */
class Recorder {
  readonly log: string[] = [];
  readonly fileEvents: number[] = [];
  readonly provenance: ProvenanceEvent[] = [];
  readonly deleted: number[] = [];
  readonly operations: ProvenanceEvent[] = [];
  readonly artifacts = new Map<number, ArtifactState>();
  readonly edges: LineageEdge[] = [];

  readonly kafka = {
    publish: (events: FileEvent[]) => {
      this.fileEvents.push(...events.map((e) => e.logId));
      return Promise.resolve({ rejected: [] });
    },
    publishDeadLetters: () => Promise.resolve(),
  };

  readonly provenanceKafka = {
    publishProvenance: async (events: ProvenanceEvent[]) => {
      await sleep(Math.random() * 5);
      this.provenance.push(...events);
      this.log.push(...events.map((e) => `provenance ${e.op} ${e.artifact.id}`));
      return { rejected: [] };
    },
  };

  readonly index: ProvenanceIndexWriter = {
    writeOperations: (events) => {
      this.operations.push(...events);
      return Promise.resolve({ rejected: [] });
    },
    writeArtifacts: (artifacts) => {
      for (const a of artifacts) this.artifacts.set(a.id, a);
      return Promise.resolve({ rejected: [] });
    },
    writeEdges: (edges) => {
      this.edges.push(...edges);
      return Promise.resolve({ rejected: [] });
    },
    artifacts: (ids) => Promise.resolve(ids.flatMap((id) => this.artifacts.get(id) ?? [])),
    appHistory: () => Promise.resolve({ app: null, inputs: [], outputs: [] }),
    artifactsUnder: (dirIds) =>
      Promise.resolve(
        [...this.artifacts.values()].filter((a) => a.ancestorIds.some((id) => dirIds.includes(id))),
      ),
    rootSnapshots: (ids) =>
      Promise.resolve(
        new Map(ids.flatMap((id) => (this.inodes.has(id) ? [[id, this.inodes.get(id)!]] : []))),
      ),
  };
  /** The inode index's directories, for roots the stage never saw written. */
  readonly inodes = new Map<
    number,
    { logicalTime: number; ancestorIds: number[]; xattrs: Record<string, string> }
  >();

  readonly acker = {
    oldestRows: () => Promise.resolve([]),
    deleteRows: (ids: readonly number[]) => {
      this.deleted.push(...ids);
      this.log.push(`delete ${ids.length}`);
      return Promise.resolve(ids.length);
    },
  };
}

type TestDeps = PipelineDeps & PipelineConfig;

function deps(
  rec: Recorder,
  src: ReturnType<typeof memorySource>,
  provenance: Partial<ProvenanceConfig>,
): TestDeps {
  return {
    source: src,
    enricher,
    kafka: rec.kafka,
    elastic: null,
    provenanceKafka: rec.provenanceKafka,
    provenanceIndex: rec.index,
    acker: rec.acker,
    metrics: createMetrics(),
    logger: silentLogger(),
    epoch: {
      maxEpochMs: 5,
      maxBusyEpochMs: 5,
      maxEpochRows: 50,
      maxEpochBytes: 1e9,
      maxBatchRows: 50,
      maxBatchBytes: 1e9,
    },
    maxInflightBytes: 1e9,
    shutdownTimeoutMs: 10_000,
    missedRowAgeMs: 0,
    provenance: {
      source: 'meta',
      windowMs: 60_000,
      graceMs: 100,
      maxDeferredRows: 1e6,
      maxOpenMs: 600_000,
      ...provenance,
    },
  };
}

const ids = (r: LogRow[][]) => r.flat().map((x) => x.logId);
const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);

describe('the coalesce stage in the pipeline', () => {
  it('publishes file events at once but deletes rows only once their window is published, in order', async () => {
    const rec = new Recorder();
    // Reads of td_1 over several batches, a write to a plain dataset between them, then a
    // write of the model.
    const parts = [
      rows('ACCESS', TD, 30),
      rows('ACCESS', TD, 30),
      rows('APPEND', SCRATCH, 5),
      rows('ACCESS', TD, 30),
      rows('APPEND', MODEL, 10),
    ];
    const src = memorySource(parts.map(chunk), { hold: true });
    const controller = new AbortController();
    const metrics = createMetrics();
    const d = { ...deps(rec, src, { windowMs: 2_000, graceMs: 1_000 }), metrics };
    const done = runPipeline(d, d, controller.signal);
    const deferred = async () =>
      (await metrics.registry.getSingleMetric('epipe_ack_rows_deferred')!.get()).values[0]?.value;
    await until(async () => (await deferred()) === 105, 'every row delivered and its deletion deferred');
    // The windows are still open (a second of grace after the source went idle): nothing deleted.
    expect(rec.fileEvents).toEqual(ids(parts));
    expect(rec.provenance).toEqual([]);
    expect(rec.deleted).toEqual([]);
    // The source is idle: the windows close after end + grace of wall time.
    await until(() => rec.deleted.length === 105, 'every row deleted');
    controller.abort();
    await done;
    expect(rec.deleted).toEqual(ids(parts));
    expect(ascending(rec.deleted)).toBe(true);
    // Every delete came after the provenance it waited for.
    const firstDelete = rec.log.findIndex((l) => l.startsWith('delete'));
    expect(rec.log.slice(0, firstDelete).sort()).toEqual([
      'provenance ACCESS 40',
      'provenance MUTATION 60',
      'provenance MUTATION 7',
    ]);
    const access = rec.provenance.filter((e) => e.op === 'ACCESS');
    expect(access.reduce((n, e) => n + e.count, 0)).toBe(90);
    expect(access.length).toBeLessThanOrEqual(2); // one window, two if the reads straddle a boundary
    // Operations, the artifact documents and the edges reached the index.
    expect(rec.operations.map((e) => e.eventId).sort()).toEqual(rec.provenance.map((e) => e.eventId).sort());
    expect([...rec.artifacts.keys()].sort((a, b) => a - b)).toEqual([7, 40, 60]);
    // The same app read td_1 and wrote the dataset and the model: an edge to each.
    expect(rec.edges.map((e) => [e.from.id, e.to.id, e.app.jobName]).sort()).toEqual([
      [40, 60, 'train_fraud'],
      [40, 7, 'train_fraud'],
    ]);
  });

  it('flushes every window on a clean stop before the drain completes, then deletes every row', async () => {
    const rec = new Recorder();
    const parts = [rows('ACCESS', TD, 20), rows('APPEND', MODEL, 5), rows('ACCESS', TD, 20)];
    const src = memorySource(parts.map(chunk), { hold: true });
    const controller = new AbortController();
    const d = deps(rec, src, { windowMs: 60_000 });
    const done = runPipeline(d, d, controller.signal);
    await until(() => rec.fileEvents.length === 45, 'every file event published');
    expect(rec.deleted).toEqual([]);
    controller.abort();
    await done;
    expect(rec.deleted).toEqual(ids(parts));
    expect(rec.provenance.map((e) => [e.op, e.count]).sort()).toEqual([
      ['ACCESS', 40],
      ['MUTATION', 5],
    ]);
    const firstDelete = rec.log.findIndex((l) => l.startsWith('delete'));
    expect(firstDelete).toBe(2);
  });

  it('force-closes the oldest window when too many rows wait (maxDeferredRows), while running', async () => {
    const rec = new Recorder();
    const parts = Array.from({ length: 6 }, () => rows('ACCESS', TD, 20));
    const src = memorySource(parts.map(chunk), { hold: true });
    const controller = new AbortController();
    const d = deps(rec, src, { windowMs: 600_000, maxDeferredRows: 50 });
    const done = runPipeline(d, d, controller.signal);
    await until(() => rec.deleted.length >= 100, 'rows deleted under pressure, the window still long');
    expect(ascending(rec.deleted)).toBe(true);
    controller.abort();
    await done;
    expect(rec.deleted).toEqual(ids(parts));
    expect(rec.provenance.reduce((n, e) => n + e.count, 0)).toBe(120);
    expect(rec.provenance.length).toBeGreaterThan(1);
  });

  it("places an artifact first seen through a read by its root in the inode index, or its files' ancestors", async () => {
    const rec = new Recorder();
    rec.inodes.set(40, { logicalTime: 9, ancestorIds: [1, 2, 3, 4], xattrs: { owner: 'team-a' } });
    const parts = [rows('ACCESS', TD, 5), rows('ACCESS', MODEL, 5)];
    const src = memorySource(parts.map(chunk), { hold: true });
    const controller = new AbortController();
    const d = deps(rec, src, { windowMs: 60_000 });
    const done = runPipeline(d, d, controller.signal);
    await until(() => rec.fileEvents.length === 10, 'every file event published');
    controller.abort();
    await done;
    expect(rec.artifacts.get(40)).toMatchObject({
      logicalTime: 9,
      ancestorIds: [1, 2, 3, 4],
      xattrs: { owner: 'team-a' },
    });
    // Not in the inode index: placed by the path cache's ancestors of the files read.
    expect(rec.artifacts.get(60)).toMatchObject({ ancestorIds: [1, 2, 3, 5, 6], created: null });
  });

  it('renames the artifacts below a renamed container directory, keeping their ids, before deleting the row', async () => {
    const rec = new Recorder();
    const created = [rows('APPEND', MODEL, 3)];
    const moved = [rows('RENAME', { path: '', chain: [1, 2, 3, 5] }, 1)];
    const src = memorySource([...created, ...moved].map(chunk), { hold: true });
    const controller = new AbortController();
    const d = deps(rec, src, { windowMs: 60_000, maxOpenMs: 60_000 });
    const done = runPipeline(d, d, controller.signal);
    await until(() => rec.provenance.some((e) => e.detail === 'rename'), 'the rename published');
    controller.abort();
    await done;
    const renamed = rec.provenance.filter((e) => e.detail === 'rename');
    expect(
      renamed.map((e) => [e.artifact.id, e.op, e.artifact.name, e.artifact.version, e.artifact.path]),
    ).toEqual([[60, 'METADATA', 'fraud2', 1, '/Projects/p/Models/fraud2/1']]);
    expect(rec.artifacts.get(60)).toMatchObject({ name: 'fraud2', path: '/Projects/p/Models/fraud2/1' });
    const renameRow = moved[0]![0]!.logId;
    const published = rec.log.indexOf('provenance METADATA 60');
    expect(published).toBeGreaterThanOrEqual(0);
    expect(rec.deleted).toContain(renameRow);
  });

  it('deletes at once, as before, with provenance off', async () => {
    const rec = new Recorder();
    const parts = [rows('ACCESS', TD, 10)];
    const src = memorySource(parts.map(chunk), { hold: true });
    const controller = new AbortController();
    const d = { ...deps(rec, src, {}), provenance: null };
    const done = runPipeline(d, d, controller.signal);
    await until(() => rec.deleted.length === 10, 'rows deleted');
    controller.abort();
    await done;
    expect(rec.provenance).toEqual([]);
  });
});
