// Lineage query latency on indices shaped like 10M file operations would leave them, and the
// coalescing reduction on a training-job workload. Run: npx tsc -b bench && node bench/dist/lineage-bench.js
// [--artifacts N] [--edges N] [--queries N] [--depth N] [--keep]. Needs the stack's Elasticsearch.
import { parseArgs } from 'node:util';
import {
  PROVENANCE_EVENT_SCHEMA,
  PROVENANCE_EVENT_SCHEMA_VERSION,
  silentLogger,
  type ArtifactKind,
  type ArtifactState,
  type ExecutionContext,
  type FileEvent,
  type LineageEdge,
  type ProvenanceEvent,
} from '@epipe/core';
import { createCoalescer } from '@epipe/provenance';
import { lineage } from '@epipe/query';
import { createProvenanceIndex, type ProvenanceIndex } from '@epipe/sink-elastic';
import { percentile } from '@epipe/harness';

const { values } = parseArgs({
  options: {
    artifacts: { type: 'string', default: '50000' },
    edges: { type: 'string', default: '200000' },
    queries: { type: 'string', default: '1000' },
    depth: { type: 'string', default: '3' },
    limit: { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(values.artifacts);
const E = Number(values.edges);
const Q = Number(values.queries);
const DEPTH = Number(values.depth);
const LIMIT = Number(values.limit);

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

const rand = rng(42);
const ctx = (i: number): ExecutionContext => ({
  appId: `application_1700000000000_${String(i).padStart(6, '0')}`,
  jobName: `job_${i % 500}`,
  jobId: null,
  jobProject: null,
  jobExecutionId: i,
  pipelineRunId: null,
  pipelineName: i % 3 === 0 ? 'daily' : null,
  pipelineRun: i % 3 === 0 ? `run_${i % 97}` : null,
});

function graph() {
  const layers: number[][] = LAYERS.map(() => []);
  const artifacts: ArtifactState[] = [];
  let id = 1_000_000;
  LAYERS.forEach(([kind, share], layer) => {
    const count = Math.round(N * share);
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
        created: {
          atMs: 1_700_000_000_000,
          appId: null,
          jobName: null,
          jobId: null,
          jobProject: null,
          pipelineRun: null,
          pipelineRunId: null,
          user: 'u',
        },
        deleted: null,
      });
    }
  });
  const kindOf = new Map(artifacts.map((a) => [a.id, a]));
  const hub = layers[0]![0]!;
  const edges = new Map<string, LineageEdge>();
  const add = (from: number, to: number, app: number) => {
    const f = kindOf.get(from)!;
    const t = kindOf.get(to)!;
    edges.set(`${from}>${to}`, {
      from: { id: from, kind: f.kind, project: f.project },
      to: { id: to, kind: t.kind, project: t.project },
      app: ctx(app),
      sinceMs: 1_700_000_000_000 + edges.size,
    });
  };
  // The hub: one raw dataset that a tenth of all feature groups read.
  for (const fg of layers[1]!) if (rand() < 0.1) add(hub, fg, fg);
  while (edges.size < E) {
    const layer = Math.floor(rand() * (LAYERS.length - 1));
    const from = layers[layer]![Math.floor(rand() * layers[layer]!.length)]!;
    const to = layers[layer + 1]![Math.floor(rand() * layers[layer + 1]!.length)]!;
    add(from, to, to); // the app that made `to`
  }
  return { artifacts, edges: [...edges.values()], layers, hub };
}

async function load(index: ProvenanceIndex, g: ReturnType<typeof graph>): Promise<void> {
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

async function measure(index: ProvenanceIndex, g: ReturnType<typeof graph>, direction: 'up' | 'down') {
  const starts = direction === 'up' ? [...g.layers[3]!, ...g.layers[2]!] : [...g.layers[0]!, ...g.layers[1]!];
  const ms: number[] = [];
  let nodes = 0;
  let truncated = 0;
  for (let i = 0; i < Q; i++) {
    // One in a hundred downstream queries starts at the hub.
    const start = direction === 'down' && i % 100 === 0 ? g.hub : starts[Math.floor(rand() * starts.length)]!;
    const t0 = process.hrtime.bigint();
    const r = await lineage(index, { artifact: { id: start }, direction, depth: DEPTH, limit: LIMIT });
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    nodes += r.nodes.length;
    if (r.truncated) truncated++;
  }
  ms.sort((a, b) => a - b);
  return {
    direction,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    meanNodes: nodes / Q,
    truncated,
  };
}

/** A training job: 20 apps each read every file of a training dataset (2,500 files) in 60 s. */
function reduction(): { rows: number; events: number } {
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
  return { rows, events };
}

async function main(): Promise<void> {
  const url = process.env.EPIPE_ES_URL ?? 'http://127.0.0.1:9200';
  const prefix = `bench_lineage_${Date.now().toString(36)}`;
  const index = createProvenanceIndex(
    {
      url,
      indexPrefix: prefix,
      requestTimeoutMs: 120_000,
      maxRetries: 3,
      refreshInterval: '30s',
      replicas: 0,
    },
    { logger: silentLogger() },
  );
  await index.start();
  try {
    const g = graph();
    const t0 = Date.now();
    await load(index, g);
    console.log(
      `loaded ${g.artifacts.length} artifacts, ${g.artifacts.length} operations, ${g.edges.length} edges in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    for (const direction of ['up', 'down'] as const) {
      await measure(index, g, direction); // warm-up pass, not reported
      const r = await measure(index, g, direction);
      console.log(
        `${Q} depth-${DEPTH} lineage queries ${direction}: p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; ` +
          `${r.meanNodes.toFixed(1)} nodes on average, ${r.truncated} truncated at ${LIMIT}`,
      );
    }
    const red = reduction();
    console.log(
      `coalescing, training-job workload: ${red.rows} rows -> ${red.events} provenance events (${(red.rows / red.events).toFixed(0)}:1)`,
    );
  } finally {
    if (!values.keep) {
      const { Client } = await import('@elastic/elasticsearch');
      const client = new Client({ node: url });
      await client.indices.delete({ index: `${prefix}_*` }, { ignore: [404] });
      for (const k of ['artifacts', 'operations', 'edges'])
        await client.indices.deleteIndexTemplate({ name: `${prefix}_${k}-template` }, { ignore: [404] });
      await client.close();
    }
    await index.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
