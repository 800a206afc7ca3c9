import { ELASTIC_SINK_FIELDS } from '@epipe/sink-elastic';
import { join } from 'node:path';
import { HOPSFS_MIX } from '@epipe/workload';
import type { BenchContext } from '../context';
import { parseEpipe, startConsumer, type Received } from '../consumer';
import { type Daemon, daemonEnv, startDaemon } from '../daemon';
import { type GeneratorOptions, runGenerator } from '../generator';
import { Progress, log } from '../progress';
import { cpuBetween, cpuSnapshot } from '../proc';
import type { Marked } from '../conditions';
import { ConditionsWatch, type Disturbances, servicePids } from '../disturbance';
import { stageLatencies, type StageLatency } from '../lag-breakdown';
import { SearchProbe } from '../search-probe';
import { freshDatabase, grantAccount, rootPool, scalar, dropRunResources } from '../stack';
import { cdf, percentile, round, summarize, type LagSummary } from '@epipe/harness';

export interface Load {
  label: string;
  /** Operations per second offered by the writers; 0 = as fast as they go. */
  rate: number;
}

/**
 * The writers that offer load number `i`: the same in epipe's lag phase and in Debezium's, so the
 * two are compared at the same offered load (same mix, same seed).
 */
export function offeredLoad(
  database: string,
  project: string,
  load: Load,
  i: number,
  options: { seconds: number; processes: number; writersPerProcess: number },
): GeneratorOptions {
  return {
    database,
    project,
    writers: options.writersPerProcess,
    processes: options.processes,
    ratePerSec: load.rate,
    durationMs: options.seconds * 1000,
    mix: HOPSFS_MIX,
    seed: 100 + i,
    logging: true,
  };
}

export interface LagAtLoad extends Marked {
  label: string;
  offeredOpsPerSec: number;
  achievedOpsPerSec: number;
  eventsPerSec: number;
  kafka: LagSummary;
  search: LagSummary & { unresolved: number };
  kafkaCdf: [number, number][];
  searchCdf: [number, number][];
  daemonCpuPercent: number;
  /** Percent of one core during the load's window: machine, daemon, MariaDB, Kafka, Elasticsearch. */
  cpu: Record<string, number>;
  /** The daemon's latency histograms over this load, per stage (see lag-breakdown.ts). */
  stages?: StageLatency[];
}

export interface RestartResult {
  offeredOpsPerSec: number;
  outageMs: number;
  steadyP95Ms: number;
  thresholdMs: number;
  /** SIGKILL to the new daemon's /readyz. */
  killToReadyMs: number;
  /** Restart (spawn) to the first second from which lag stays at the threshold or below. */
  restartToSteadyMs: number | null;
  killToSteadyMs: number | null;
  maxLagMs: number;
  duplicates: number;
  uniqueEvents: number;
  /** Receive-time seconds relative to the kill: p50 and max lag of the events received in each. */
  series: [number, number, number][];
}

/**
 * Completeness over the whole phase (every load and the restart): log ids are AUTO_INCREMENT, so
 * every id up to the highest delivered one should have arrived; a gap is an event lost, or the
 * id of a transaction that rolled back after its log insert (rare: the insert is its last statement).
 */
export interface DeliveryCheck {
  uniqueEvents: number;
  duplicates: number;
  highestLogId: number;
  missingLogIds: number;
  firstMissing: number[];
  logRowsLeft: number;
}

export interface LagPhaseResult {
  loads: LagAtLoad[];
  delivery: DeliveryCheck | null;
  /** One load again with the search sink off (Kafka lag only). */
  kafkaOnly: LagAtLoad | null;
  restart: RestartResult | null;
  searchPollMs: number;
  refreshInterval: string;
  writerProcesses: number;
  writersPerProcess: number;
  peakRssMiB: number;
}

interface Window {
  label: string;
  from: number;
  to: number;
  lags: number[];
}

/**
 * Lag at fixed offered loads, one daemon (both sinks, default settings), writer processes
 * offering each load in turn; then a SIGKILL and restart under load. Every delivered event's
 * commit-to-consumer lag is kept; search lag comes from sampled writes (SearchProbe).
 */
export async function measureLag(
  ctx: BenchContext,
  options: {
    loads: Load[];
    seconds: number;
    warmupSeconds: number;
    processes: number;
    writersPerProcess: number;
    restart: { rate: number; beforeS: number; outageS: number; afterS: number } | null;
    kafkaOnlyLoad?: Load;
    /** Marks each load that ran while the machine was disturbed. */
    guard?: Disturbances;
  },
): Promise<LagPhaseResult> {
  const database = `bench_${ctx.run}_lag`;
  const topic = `bench-${ctx.run}-lag`;
  const index = topic;
  const user = `b${ctx.run}lag`;
  await freshDatabase(ctx.stack, database);
  const account = await grantAccount(ctx.stack, database, user);
  const pool = rootPool(ctx.stack, { database, connectionLimit: 1 });
  const env = daemonEnv({
    database,
    ...account,
    topic,
    index,
    kafka: true,
    elastic: true,
    mysqlHost: ctx.stack.mysql.host,
    mysqlPort: ctx.stack.mysql.port,
    brokers: ctx.stack.brokers,
    esUrl: ctx.stack.esUrl,
  });
  const start = (n: number): Promise<Daemon> =>
    startDaemon({ env, logFile: join(ctx.rawDir, `daemon-lag-${n}.log`) });
  let daemon = await start(1);
  let peakRss = 0;
  const probe = new SearchProbe(ctx.stack, index);
  const windows: Window[] = [];
  const kept: Received[] = [];
  const logIds = new Set<number>();
  let keep = false;
  let consumer: Awaited<ReturnType<typeof startConsumer>> | undefined;
  try {
    await daemon.waitReady();
    consumer = await startConsumer(ctx.stack, topic, parseEpipe, (r) => {
      if (keep) kept.push(r);
      if (r.duplicate) return;
      logIds.add(Number(r.id.slice(r.id.lastIndexOf('/') + 1)));
      for (const w of windows)
        if (r.commitTsMs >= w.from && r.commitTsMs < w.to) w.lags.push(r.receivedAtMs - r.commitTsMs);
    });
    probe.start();
    const drain = async (): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (await scalar(pool, 'SELECT EXISTS (SELECT 1 FROM fs_log)')) === 1)
        await new Promise((r) => setTimeout(r, 250));
      const searchDeadline = Date.now() + 5_000;
      while (Date.now() < searchDeadline && probe.waiting > 0) await new Promise((r) => setTimeout(r, 250));
      await new Promise((r) => setTimeout(r, 1_000)); // last fetches
    };

    const runLoad = async (load: Load, i: number, probeSearch: boolean): Promise<LagAtLoad> => {
      const window: Window = {
        label: load.label,
        from: Number.POSITIVE_INFINITY,
        to: Number.POSITIVE_INFINITY,
        lags: [],
      };
      windows.push(window);
      const watch = new ConditionsWatch();
      const metricsBefore = await daemon.metrics();
      const cpuBefore = daemon.watch.sample();
      let machineBefore = cpuSnapshot();
      const progress = new Progress(`  load ${load.label}`, options.seconds);
      const warm = setTimeout(() => {
        window.from = Date.now();
        machineBefore = cpuSnapshot();
        probe.label = load.label;
      }, options.warmupSeconds * 1000);
      const result = await runGenerator(
        ctx.stack,
        {
          ...offeredLoad(database, `lag${i}`, load, i, options),
          sampleEvery: probeSearch ? Math.max(1, Math.round((load.rate || 1000) / 25)) : 0,
        },
        {
          onProgress: (ops, ms) =>
            progress.update(ms / 1000, `${ops} ops, ${window.lags.length} events timed`),
          onSample: (s) => probe.add(s),
        },
      );
      clearTimeout(warm);
      window.to = Date.now();
      probe.label = '';
      const cpuAfter = daemon.watch.sample();
      const cpu = cpuBetween(machineBefore, cpuSnapshot(), servicePids(), { daemon: daemon.child.pid });
      await drain();
      const stages = stageLatencies(metricsBefore, await daemon.metrics());
      const conditions = watch.end();
      const kafka = summarize(window.lags);
      const searchLags = probe.lags.get(load.label) ?? [];
      const search = { ...summarize(searchLags), unresolved: probe.unresolved.get(load.label) ?? 0 };
      const windowS = (window.to - window.from) / 1000;
      const at: LagAtLoad = {
        label: load.label,
        offeredOpsPerSec: load.rate,
        achievedOpsPerSec: round(result.opsPerSec, 0),
        eventsPerSec: round(window.lags.length / windowS, 0),
        kafka: roundSummary(kafka),
        search: { ...roundSummary(search), unresolved: search.unresolved },
        kafkaCdf: cdf(window.lags),
        searchCdf: cdf(searchLags),
        cpu,
        stages,
        ...(options.guard ? { disturbed: options.guard.reasons(conditions) } : {}),
        daemonCpuPercent:
          cpuBefore && cpuAfter
            ? round(
                (100 * (cpuAfter.cpuSeconds - cpuBefore.cpuSeconds) * 1000) /
                  (cpuAfter.atMs - cpuBefore.atMs),
                0,
              )
            : Number.NaN,
      };
      progress.done(
        `${at.achievedOpsPerSec} ops/s; Kafka p50 ${at.kafka.p50} p99 ${at.kafka.p99} ms; search p50 ${at.search.p50} p99 ${at.search.p99} ms`,
      );
      return at;
    };
    const loads: LagAtLoad[] = [];
    for (const [i, load] of options.loads.entries()) loads.push(await runLoad(load, i, true));

    let restart: RestartResult | null = null;
    if (options.restart) {
      const r = options.restart;
      const total = r.beforeS + r.outageS + r.afterS;
      const progress = new Progress(`  SIGKILL + restart at ${r.rate} ops/s`, total);
      keep = true;
      const startedAt = Date.now();
      const writing = runGenerator(
        ctx.stack,
        {
          database,
          project: 'restart',
          writers: options.writersPerProcess,
          processes: options.processes,
          ratePerSec: r.rate,
          durationMs: total * 1000,
          mix: HOPSFS_MIX,
          seed: 999,
          logging: true,
        },
        { onProgress: (ops, ms) => progress.update(ms / 1000, `${ops} ops`) },
      );
      await new Promise((res) => setTimeout(res, r.beforeS * 1000));
      const killAt = Date.now();
      peakRss = Math.max(peakRss, daemon.watch.usage().peakRssMiB);
      await daemon.kill();
      await new Promise((res) => setTimeout(res, r.outageS * 1000));
      daemon = await start(2);
      const restartAt = daemon.spawnedAtMs;
      const readyAt = await daemon.waitReady();
      await writing;
      const writersDoneAt = Date.now();
      await drain();
      keep = false;
      progress.done();
      restart = analyzeRestart(kept, {
        startedAt,
        killAt,
        restartAt,
        readyAt,
        writersDoneAt,
        rate: r.rate,
        outageMs: restartAt - killAt,
      });
      log(
        `  restart: steady p95 ${restart.steadyP95Ms} ms; back to steady ${restart.restartToSteadyMs} ms after the restart ` +
          `(${restart.killToSteadyMs} ms after the kill); ${restart.duplicates} duplicates`,
      );
    }
    let kafkaOnly: LagAtLoad | null = null;
    if (options.kafkaOnlyLoad) {
      // The same load with the search sink off: how much of the Kafka lag the second sink costs.
      peakRss = Math.max(peakRss, daemon.watch.usage().peakRssMiB);
      await daemon.stop();
      daemon = await startDaemon({
        env: { ...env, EPIPE_ES_ENABLED: 'false' },
        logFile: join(ctx.rawDir, 'daemon-lag-kafka-only.log'),
      });
      await daemon.waitReady();
      kafkaOnly = await runLoad(options.kafkaOnlyLoad, 90, false);
    }
    peakRss = Math.max(peakRss, daemon.watch.usage().peakRssMiB);
    const highest = Math.max(0, ...logIds);
    const missing: number[] = [];
    for (let id = 1; id <= highest; id++) if (!logIds.has(id)) missing.push(id);
    const delivery: DeliveryCheck = {
      uniqueEvents: consumer.unique,
      duplicates: consumer.duplicates,
      highestLogId: highest,
      missingLogIds: missing.length,
      firstMissing: missing.slice(0, 10),
      logRowsLeft: await scalar(pool, 'SELECT COUNT(*) FROM fs_log'),
    };
    return {
      loads,
      delivery,
      kafkaOnly,
      restart,
      searchPollMs: probe.pollMs,
      // The daemon runs with the default (no EPIPE_ES_REFRESH is set).
      refreshInterval: ELASTIC_SINK_FIELDS.refreshInterval.default,
      writerProcesses: options.processes,
      writersPerProcess: options.writersPerProcess,
      peakRssMiB: round(peakRss, 0),
    };
  } finally {
    probe.stop();
    await consumer?.stop().catch(() => undefined);
    if (daemon.child.exitCode === null) await daemon.stop();
    await dropRunResources(ctx.stack, { pool, database, user, topic, index });
  }
}

function roundSummary<T extends LagSummary>(s: T): T {
  return {
    ...s,
    p50: round(s.p50, 0),
    p95: round(s.p95, 0),
    p99: round(s.p99, 0),
    max: round(s.max, 0),
    mean: round(s.mean, 0),
  };
}

/**
 * Steady lag is the p95 of events committed in the seconds before the kill (after 2 s of
 * warm-up). The daemon is back to steady at the first receive-second after the restart that, with
 * the next one, has a p95 of max(2 × steady, steady + 100 ms) or below: the outage's backlog is
 * delivered and new events flow as before. Resolution: one second.
 */
export function analyzeRestart(
  records: Received[],
  t: {
    startedAt: number;
    killAt: number;
    restartAt: number;
    readyAt: number;
    writersDoneAt: number;
    rate: number;
    outageMs: number;
  },
): RestartResult {
  const before = records.filter(
    (r) => !r.duplicate && r.commitTsMs >= t.startedAt + 2_000 && r.commitTsMs < t.killAt,
  );
  const steady = percentile(
    before.map((r) => r.receivedAtMs - r.commitTsMs).sort((a, b) => a - b),
    95,
  );
  const threshold = Math.max(2 * steady, steady + 100);
  const buckets = new Map<number, number[]>();
  for (const r of records) {
    if (r.duplicate) continue;
    const second = Math.floor((r.receivedAtMs - t.killAt) / 1000);
    const list = buckets.get(second) ?? [];
    list.push(r.receivedAtMs - r.commitTsMs);
    buckets.set(second, list);
  }
  const seconds = [...buckets.keys()].sort((a, b) => a - b);
  const series: [number, number, number][] = seconds.map((s) => {
    const sorted = buckets.get(s)!.sort((a, b) => a - b);
    return [s, round(percentile(sorted, 50), 0), round(sorted[sorted.length - 1]!, 0)];
  });
  const firstAfter = Math.floor((t.restartAt - t.killAt) / 1000);
  const lastWriting = Math.floor((t.writersDoneAt - t.killAt) / 1000);
  const p95 = (x: number): number =>
    buckets.has(x)
      ? percentile(
          buckets
            .get(x)!
            .slice()
            .sort((a, b) => a - b),
          95,
        )
      : Number.POSITIVE_INFINITY;
  let recovered: number | null = null;
  for (let s = firstAfter; s <= lastWriting; s++) {
    if (p95(s) <= threshold && p95(s + 1) <= threshold) {
      recovered = s;
      break;
    }
  }
  const recoveredAt = recovered === null ? null : t.killAt + recovered * 1000;
  return {
    offeredOpsPerSec: t.rate,
    outageMs: t.outageMs,
    steadyP95Ms: round(steady, 0),
    thresholdMs: round(threshold, 0),
    killToReadyMs: t.readyAt - t.killAt,
    restartToSteadyMs: recoveredAt === null ? null : Math.max(0, recoveredAt - t.restartAt),
    killToSteadyMs: recoveredAt === null ? null : recoveredAt - t.killAt,
    maxLagMs: round(Math.max(...records.map((r) => r.receivedAtMs - r.commitTsMs)), 0),
    duplicates: records.filter((r) => r.duplicate).length,
    uniqueEvents: records.filter((r) => !r.duplicate).length,
    series,
  };
}
