// Lineage query latency on provenance indices shaped like 10M file operations would leave them,
// the coalescing reduction on a training-job workload, and end-to-end throughput with the
// coalesce stage on and off. `make bench` runs it as a phase; `node bench/dist/lineage-bench.js`
// runs the query and reduction parts alone.
import {
  PROVENANCE_EVENT_SCHEMA,
  PROVENANCE_EVENT_SCHEMA_VERSION,
  provenanceActor,
  silentLogger,
  type ArtifactKind,
  type ArtifactState,
  type ExecutionContext,
  type FileEvent,
  type LineageEdge,
  type ProvenanceEvent,
} from '@epipe/core';
import { percentile, round } from '@epipe/harness';
import { createCoalescer } from '@epipe/provenance';
import { lineage } from '@epipe/query';
import {
  createProvenanceIndex,
  DEFAULT_ELASTIC_SINK_CONFIG,
  type ProvenanceIndex,
} from '@epipe/sink-elastic';
import type { BenchContext } from '../context';
import { log as progress } from '../progress';
import { drainBacklog, type DrainRun } from './saturation';

export interface LineageBenchOptions {
  esUrl: string;
  /** Index prefix unique to the run. */
  prefix: string;
  artifacts: number;
  edges: number;
  queries: number;
  depth: number;
  limit: number;
  /** Leave the indices behind (to look at them). */
  keep?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface LineageLatency {
  direction: 'up' | 'down';
  p50: number;
  p95: number;
  p99: number;
  meanNodes: number;
  truncated: number;
}

export interface LineageResult {
  artifacts: number;
  edges: number;
  queries: number;
  depth: number;
  limit: number;
  loadSeconds: number;
  latency: LineageLatency[];
  /** The coalescer alone on a training-job workload: file rows in, provenance events out. */
  reduction: { rows: number; events: number; ratio: number };
  /** End-to-end drains of the same backlog (both sinks), the coalesce stage on and off. */
  throughput?: { on: ProvenanceDrain; off: ProvenanceDrain };
}

export interface ProvenanceDrain {
  rows: number;
  rowsPerSec: number;
  steadyRowsPerSec: number;
  /** Spawn to an empty fs_log: with provenance on it includes the last window + grace. */
  drainMs: number;
  loadAverage: [number, number];
}

/** Layers a lineage graph goes through, with their share of artifacts. */
const LAYERS: [ArtifactKind, number][] = [
  ['DATASET', 0.1],
  ['FEATURE_GROUP', 0.4],
  ['TRAINING_DATASET', 0.3],
  ['MODEL', 0.2],
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const ctx = (i: number): ExecutionContext => ({
  appId: `application_1700000000000_${String(i).padStart(6, '0')}`,
  jobName: `job_${i % 500}`,
  jobId: i % 500,
  jobProject: `p${i % 50}`,
  jobExecutionId: i,
  pipelineRunId: i % 3 === 0 ? i % 97 : null,
  pipelineName: i % 3 === 0 ? 'daily' : null,
  pipelineRun: i % 3 === 0 ? `run_${i % 97}` : null,
});

interface Graph {
  artifacts: ArtifactState[];
  edges: LineageEdge[];
  layers: number[][];
  hub: number;
}

function graph(artifactCount: number, edgeCount: number, rand: () => number): Graph {
  const layers: number[][] = LAYERS.map(() => []);
  const artifacts: ArtifactState[] = [];
  let id = 1_000_000;
  LAYERS.forEach(([kind, share], layer) => {
    const count = Math.round(artifactCount * share);
    for (let i = 0; i < count; i++) {
      const aid = id++;
      layers[layer]!.push(aid);
      artifacts.push({
        id: aid,
        kind,
        project: `p${aid % 50}`,
        name: `${kind.toLowerCase()}_${aid}`,
        version: kind === 'DATASET' ? null : 1,
        path: `/Projects/p${aid % 50}/${kind}/${aid}`,
        ancestorIds: [1, 2],
        xattrs: {},
        logicalTime: 1,
        created: provenanceActor(1_700_000_000_000, null, 'u'),
        deleted: null,
      });
    }
  });
  const byId = new Map(artifacts.map((a) => [a.id, a]));
  const hub = layers[0]![0]!;
  const edges = new Map<string, LineageEdge>();
  const add = (from: number, to: number, app: number) => {
    const f = byId.get(from)!;
    const t = byId.get(to)!;
    edges.set(`${from}>${to}`, {
      from: { id: from, kind: f.kind, project: f.project },
      to: { id: to, kind: t.kind, project: t.project },
      app: ctx(app),
      sinceMs: 1_700_000_000_000 + edges.size,
    });
  };
  // The hub: one raw dataset that a tenth of all feature groups read.
  for (const fg of layers[1]!) if (rand() < 0.1) add(hub, fg, fg);
  while (edges.size < edgeCount) {
    const layer = Math.floor(rand() * (LAYERS.length - 1));
    const from = layers[layer]![Math.floor(rand() * layers[layer]!.length)]!;
    const to = layers[layer + 1]![Math.floor(rand() * layers[layer + 1]!.length)]!;
    add(from, to, to); // the app that made `to`
  }
  return { artifacts, edges: [...edges.values()], layers, hub };
}

async function load(index: ProvenanceIndex, g: Graph): Promise<void> {
  const chunk = <T>(xs: T[], n: number) =>
    Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));
  for (const part of chunk(g.artifacts, 5_000)) await index.writeArtifacts(part);
  const creates: ProvenanceEvent[] = g.artifacts.map((a, i) => ({
    schema: PROVENANCE_EVENT_SCHEMA,
    schemaVersion: PROVENANCE_EVENT_SCHEMA_VERSION,
    eventId: `prov/bench/${a.id.toString(16).padStart(32, '0')}`,
    artifact: { id: a.id, kind: a.kind, project: a.project, name: a.name, version: a.version, path: a.path },
    op: 'CREATE',
    detail: null,
    count: 1,
    firstCommitTsMs: 1_700_000_000_000,
    lastCommitTsMs: 1_700_000_000_000,
    app: ctx(a.id),
    user: { id: 1, name: 'u' },
    logIds: [i + 1],
  }));
  for (const part of chunk(creates, 5_000)) await index.writeOperations(part);
  for (const part of chunk(g.edges, 10_000)) await index.writeEdges(part);
  await index.refresh();
}

async function measure(
  index: ProvenanceIndex,
  g: Graph,
  direction: 'up' | 'down',
  o: LineageBenchOptions,
  rand: () => number,
): Promise<LineageLatency> {
  const starts = direction === 'up' ? [...g.layers[3]!, ...g.layers[2]!] : [...g.layers[0]!, ...g.layers[1]!];
  const ms: number[] = [];
  let nodes = 0;
  let truncated = 0;
  for (let i = 0; i < o.queries; i++) {
    // One in a hundred downstream queries starts at the hub.
    const start = direction === 'down' && i % 100 === 0 ? g.hub : starts[Math.floor(rand() * starts.length)]!;
    const t0 = process.hrtime.bigint();
    const r = await lineage(index, { artifact: { id: start }, direction, depth: o.depth, limit: o.limit });
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    nodes += r.nodes.length;
    if (r.truncated) truncated++;
  }
  ms.sort((a, b) => a - b);
  return {
    direction,
    p50: round(percentile(ms, 50), 1),
    p95: round(percentile(ms, 95), 1),
    p99: round(percentile(ms, 99), 1),
    meanNodes: round(nodes / o.queries, 1),
    truncated,
  };
}

/** A training job: 20 apps each read every file of a training dataset (2,500 files) in 60 s. */
export function reduction(): { rows: number; events: number; ratio: number } {
  const clock = { now: 1_700_000_000_000 };
  const c = createCoalescer({ source: 'bench', now: () => clock.now, rootIdOf: () => 7 });
  let rows = 0;
  let events = 0;
  let logId = 1;
  for (let batch = 1; batch <= 1_200; batch++) {
    const list: FileEvent[] = [];
    for (let i = 0; i < 50; i++) {
      const app = (batch * 50 + i) % 20;
      list.push({
        schema: 'epipe.file-event',
        schemaVersion: 1,
        eventId: `bench/${logId}`,
        epoch: batch,
        seq: i,
        logId: logId++,
        inodeId: 10_000 + (logId % 2_500),
        parentId: 7,
        logicalTime: 1,
        operation: i === 0 && batch % 100 === 0 ? 'APPEND' : 'ACCESS',
        isDir: false,
        name: 'part',
        path: `/Projects/p/p_Training_Datasets/td_1/part-${logId % 2_500}`,
        oldPath: null,
        project: { id: 1, name: 'p' },
        dataset: null,
        user: { id: 1, name: 'u' },
        xattrName: null,
        app: ctx(app),
        commitTsMs: clock.now,
      });
    }
    rows += list.length;
    events += c.add(batch, list).length + c.tick().length;
    clock.now += 50;
  }
  events += c.flush().length;
  return { rows, events, ratio: round(rows / events, 1) };
}

/**
 * Loads the provenance indices with the synthetic graph (artifacts, one CREATE operation each,
 * edges with one hub), then times `queries` depth-limited lineage queries each way after a
 * warm-up pass; and runs the coalescer alone on a training-job workload.
 */
export async function measureLineageQueries(o: LineageBenchOptions): Promise<LineageResult> {
  const log = o.log ?? (() => undefined);
  const rand = rng(42);
  const index = createProvenanceIndex(
    {
      ...DEFAULT_ELASTIC_SINK_CONFIG,
      url: o.esUrl,
      indexPrefix: o.prefix,
      // The load writes some 300k documents in large bulks: a long timeout, few retries, rare refreshes.
      requestTimeoutMs: 120_000,
      maxRetries: 3,
      refreshInterval: '30s',
    },
    { logger: silentLogger() },
  );
  await index.start();
  try {
    const g = graph(o.artifacts, o.edges, rand);
    const t0 = Date.now();
    await load(index, g);
    const loadSeconds = round((Date.now() - t0) / 1000, 1);
    log(`loaded ${g.artifacts.length} artifacts and ${g.edges.length} edges in ${loadSeconds} s`);
    const latency: LineageLatency[] = [];
    for (const direction of ['up', 'down'] as const) {
      await measure(index, g, direction, o, rand); // warm-up pass, not reported
      const r = await measure(index, g, direction, o, rand);
      log(
        `${o.queries} depth-${o.depth} lineage queries ${direction}: p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms; ` +
          `${r.meanNodes} nodes on average, ${r.truncated} truncated at ${o.limit}`,
      );
      latency.push(r);
    }
    const red = reduction();
    log(
      `coalescing, training-job workload: ${red.rows} rows -> ${red.events} provenance events (${red.ratio}:1)`,
    );
    return {
      artifacts: g.artifacts.length,
      edges: g.edges.length,
      queries: o.queries,
      depth: o.depth,
      limit: o.limit,
      loadSeconds,
      latency,
      reduction: red,
    };
  } finally {
    if (!o.keep) await dropIndices(o.esUrl, o.prefix);
    await index.close();
  }
}

async function dropIndices(esUrl: string, prefix: string): Promise<void> {
  const base = esUrl.replace(/\/$/, '');
  await fetch(`${base}/${prefix}_*`, { method: 'DELETE' });
  for (const k of ['artifacts', 'operations', 'edges'])
    await fetch(`${base}/_index_template/${prefix}_${k}-template`, { method: 'DELETE' });
}

export interface LineagePlan {
  artifacts: number;
  edges: number;
  queries: number;
  depth: number;
  limit: number;
  /** Rows of the backlog drained once with provenance on, once off. */
  throughputRows: number;
}

/**
 * The `make bench` phase: lineage query latencies and the reduction ratio, then the same
 * backlog drained into both sinks with the coalesce stage on (the default) and off, back to back.
 */
export async function measureLineage(ctx: BenchContext, plan: LineagePlan): Promise<LineageResult> {
  const result = await measureLineageQueries({
    esUrl: ctx.stack.esUrl,
    prefix: `bench-${ctx.run}-lineage`,
    artifacts: plan.artifacts,
    edges: plan.edges,
    queries: plan.queries,
    depth: plan.depth,
    limit: plan.limit,
    log: (line) => progress(`  ${line}`),
  });
  const drain = (run: DrainRun): ProvenanceDrain => ({
    rows: run.rows,
    rowsPerSec: run.rowsPerSec,
    steadyRowsPerSec: run.steadyRowsPerSec,
    drainMs: run.drainMs,
    loadAverage: run.loadAverage,
  });
  const on = await drainBacklog(ctx, 'both', plan.throughputRows, { label: 'prov_on' });
  const off = await drainBacklog(ctx, 'both', plan.throughputRows, {
    label: 'prov_off',
    env: { EPIPE_PROVENANCE_ENABLED: 'false' },
  });
  result.throughput = { on: drain(on), off: drain(off) };
  progress(
    `  both sinks, provenance on / off: ${on.rowsPerSec} / ${off.rowsPerSec} rows/s ` +
      `(steady ${on.steadyRowsPerSec} / ${off.steadyRowsPerSec})`,
  );
  return result;
}
