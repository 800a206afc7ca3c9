// The refresh interval's trade-off, measured: the search sink alone writes documents at a steady
// rate into a fresh index per interval, a poller searches for them, and the report gives
// write → searchable lag beside Elasticsearch's CPU. Intervals are interleaved over rounds, so
// drift on a shared machine hits all of them alike; an idle window per round shows what
// Elasticsearch burns with nothing written (other users of a shared node).
//
//   npx tsc -b bench && set -a && . .stack/env && set +a && node bench/dist/refresh.js \
//     [--rate 200] [--seconds 30] [--rounds 2] [--intervals 1s,500ms,250ms]
import { silentLogger } from '@epipe/core';
import { createElasticSink, type InodeChange } from '@epipe/sink-elastic';
import { parseArgs } from 'node:util';
import { servicePids } from './disturbance';
import { cpuBetween, cpuSnapshot, loadAverage } from './proc';
import { deleteIndex, esJson, stackEnv, type StackEnv } from './stack';
import { percentile } from '@epipe/harness';

/** Documents go out in batches this far apart, as the daemon's epochs (50 ms) send them. */
const BATCH_EVERY_MS = 50;
/** How often the poller searches: the lag's resolution, with one search round trip. */
const POLL_MS = 20;

interface Measured {
  interval: string;
  round: number;
  docs: number;
  found: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Elasticsearch's process group, percent of one core over the window. */
  esCpuPercent: number;
  /** The index's own refreshes: count and time spent, per second of the window. */
  refreshesPerSec: number;
  refreshMsPerSec: number;
  load: [number, number];
}

async function refreshStats(stack: StackEnv, index: string): Promise<{ total: number; ms: number }> {
  const body = await esJson<{
    _all: { primaries: { refresh: { total: number; total_time_in_millis: number } } };
  }>(stack, `/${index}/_stats/refresh`);
  const r = body._all.primaries.refresh;
  return { total: r.total, ms: r.total_time_in_millis };
}

/** Writes at `rate` docs/s for `seconds` into a fresh index refreshed every `interval`. */
async function measure(
  stack: StackEnv,
  interval: string,
  round: number,
  rate: number,
  seconds: number,
): Promise<Measured> {
  const index = `epipe_bench_refresh_${process.pid}_${round}_${interval}`;
  const sink = createElasticSink(
    {
      url: stack.esUrl,
      index,
      requestTimeoutMs: 30_000,
      maxRetries: 3,
      bulkMaxBytes: 5 * 1024 * 1024,
      bulkMaxDocs: 5_000,
      concurrency: 2,
      refreshInterval: interval,
      replicas: 0,
    },
    { logger: silentLogger() },
  );
  await sink.start();
  /** Written and not yet found by a search: inode id → when its write started. */
  const pending = new Map<number, number>();
  const lags: number[] = [];
  let nextId = 1;
  let docs = 0;
  let polling = true;
  const poller = (async () => {
    while (polling || pending.size > 0) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (pending.size === 0) continue;
      const ids = [...pending.keys()];
      const body = await esJson<{ hits: { hits: { _source: { inode_id: number } }[] } }>(
        stack,
        `/${index}/_search`,
        {
          method: 'POST',
          body: JSON.stringify({
            size: ids.length,
            query: { terms: { inode_id: ids } },
            _source: ['inode_id'],
          }),
        },
      );
      const now = Date.now();
      for (const hit of body.hits.hits) {
        const writeStartMs = pending.get(hit._source.inode_id);
        if (writeStartMs === undefined) continue;
        lags.push(now - writeStartMs);
        pending.delete(hit._source.inode_id);
      }
    }
  })();

  const groups = { elasticsearch: servicePids().elasticsearch ?? null };
  const before = cpuSnapshot();
  const statsBefore = await refreshStats(stack, index);
  const load0 = loadAverage();
  const startMs = Date.now();
  const perBatch = (rate * BATCH_EVERY_MS) / 1000;
  let owed = 0;
  const writes: Promise<unknown>[] = [];
  for (let tick = 0; Date.now() - startMs < seconds * 1000; tick++) {
    // Paced against the clock, not the previous write: a slow bulk does not lower the rate.
    const due = startMs + tick * BATCH_EVERY_MS;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    owed += perBatch;
    const changes: InodeChange[] = [];
    const writeStartMs = Date.now();
    for (; owed >= 1; owed--) {
      const inodeId = nextId++;
      changes.push({ kind: 'upsert', doc: doc(inodeId, writeStartMs) });
    }
    docs += changes.length;
    writes.push(
      sink.apply(changes).then(() => {
        for (const c of changes) if (c.kind === 'upsert') pending.set(c.doc.inodeId, writeStartMs);
      }),
    );
  }
  await Promise.all(writes);
  const wallSeconds = (Date.now() - startMs) / 1000;
  const after = cpuSnapshot();
  const statsAfter = await refreshStats(stack, index);
  const load1 = loadAverage();
  polling = false;
  const giveUp = Date.now() + 30_000;
  while (pending.size > 0 && Date.now() < giveUp) await new Promise((r) => setTimeout(r, POLL_MS));
  pending.clear();
  await poller;
  await sink.close();
  await deleteIndex(stack, index);
  lags.sort((a, b) => a - b);
  return {
    interval,
    round,
    docs,
    found: lags.length,
    p50Ms: percentile(lags, 50),
    p99Ms: percentile(lags, 99),
    meanMs: Math.round(lags.reduce((s, v) => s + v, 0) / Math.max(1, lags.length)),
    esCpuPercent: cpuBetween(before, after, groups, {}).elasticsearch ?? Number.NaN,
    refreshesPerSec: Math.round(((statsAfter.total - statsBefore.total) / wallSeconds) * 10) / 10,
    refreshMsPerSec: Math.round(((statsAfter.ms - statsBefore.ms) / wallSeconds) * 10) / 10,
    load: [load0, load1],
  };
}

function doc(inodeId: number, nowMs: number) {
  return {
    inodeId,
    parentId: 2,
    name: `part-${inodeId}.parquet`,
    path: `/Projects/bench/data/part-${inodeId}.parquet`,
    ancestorIds: [1, 2],
    isDir: false,
    size: 4096,
    owner: 'bench__alice',
    group: 'bench',
    permission: 0o644,
    mtimeMs: nowMs,
    logicalTime: 1,
    xattrs: {},
    lastOperation: 'CREATE',
    lastAppId: null,
    lastCommitTsMs: nowMs,
  };
}

/** Elasticsearch's CPU with nothing written by us: the floor other users of the node put under it. */
async function idle(seconds: number): Promise<number> {
  const groups = { elasticsearch: servicePids().elasticsearch ?? null };
  const before = cpuSnapshot();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return cpuBetween(before, cpuSnapshot(), groups, {}).elasticsearch ?? Number.NaN;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const defaults = { rate: '200', seconds: '30', rounds: '2', intervals: '1s,500ms,250ms' };
  const { values: given } = parseArgs({
    options: Object.fromEntries(Object.keys(defaults).map((k) => [k, { type: 'string' as const }])),
  });
  const values = { ...defaults, ...(given as Partial<typeof defaults>) };
  const stack = stackEnv();
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const intervals = values.intervals.split(',');
  const results: Measured[] = [];
  const idles: number[] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    idles.push(await idle(Math.min(seconds, 15)));
    console.log(`round ${round}: Elasticsearch idle ${idles.at(-1)}% CPU (load ${loadAverage()})`);
    for (const interval of intervals) {
      const m = await measure(stack, interval, round, rate, seconds);
      results.push(m);
      console.log(JSON.stringify(m));
    }
  }
  console.log(
    `\n${rate} docs/s, ${seconds} s per interval, ${values.rounds} rounds; Elasticsearch idle CPU median ${median(idles)}%`,
  );
  console.log(
    '| refresh interval | write → searchable p50 / p99 (ms) | mean | ES CPU | refreshes/s | refresh ms/s | load |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const interval of intervals) {
    const of = results.filter((r) => r.interval === interval);
    const med = (f: (r: Measured) => number) => median(of.map(f));
    const loads = of.flatMap((r) => r.load);
    console.log(
      `| ${interval} | ${med((r) => r.p50Ms)} / ${med((r) => r.p99Ms)} | ${med((r) => r.meanMs)} | ` +
        `${med((r) => r.esCpuPercent)}% | ${med((r) => r.refreshesPerSec)} | ${med((r) => r.refreshMsPerSec)} | ` +
        `${Math.min(...loads)}–${Math.max(...loads)} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
