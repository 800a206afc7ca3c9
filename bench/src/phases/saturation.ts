import { join } from 'node:path';
import { Operation } from '@epipe/core';
import { replicate } from '../backlog';
import type { BenchContext } from '../context';
import { daemonEnv, startDaemon } from '../daemon';
import { loadAverage } from '../proc';
import { Progress, log } from '../progress';
import { esCount, grantAccount, rootPool, scalar, topicRecords, dropRunResources } from '../stack';
import { round } from '@epipe/harness';
import type { Marked } from '../conditions';
import { flatness, type Flatness } from '../flatness';

export type Sinks = 'kafka' | 'elastic' | 'both';

export interface DrainRun extends Marked {
  sinks: Sinks;
  /** Which of the interleaved rounds (1-based); absent for a single run (catch-up, profile). */
  round?: number;
  /** A diagnostic variant of the backlog, e.g. without directory moves. */
  variant?: string;
  rows: number;
  copies: number;
  liveInodes: number;
  directoryMoves: number;
  /** Daemon spawn to /readyz. */
  startupMs: number;
  /** Daemon spawn to an empty fs_log. */
  drainMs: number;
  /** /readyz (connected to the server and every sink) to an empty fs_log: the time spent delivering. */
  activeMs: number;
  rowsPerSec: number;
  /** Rate between 10% and 90% of the rows deleted: the steady state, without start and tail. */
  steadyRowsPerSec: number;
  eventsKafka: number;
  eventsElastic: number;
  /** Time inside each sink's calls (the daemon's epipe_sink_batch_seconds), and how many calls. */
  sinkSeconds: Record<string, { seconds: number; calls: number }>;
  deadLetters: number;
  peakRssMiB: number;
  cpuSeconds: number;
  /** utime + stime of the daemon from /readyz to an empty log: the CPU the delivery itself cost. */
  activeCpuSeconds?: number;
  /** Of one core, averaged from spawn to exit. */
  cpuPercent: number;
  exitCode: number | null;
  /** Seconds since spawn, rows deleted so far (cumulative; the report derives rates). */
  series: [number, number][];
  /** Seconds since spawn, resident set in MiB. */
  rss?: [number, number][];
  /** Rate of the first against the last 10% of the rows (from the full-resolution series). */
  flatness?: Flatness;
  kafkaRecords: number | null;
  searchDocs: number | null;
  completed: boolean;
  loadAverage: [number, number];
}

export interface DrainOptions {
  cpuProfileDir?: string;
  /**
   * Delete the directory RENAME rows from the backlog before the daemon starts (a diagnostic:
   * what the search sink costs without its move barriers). The tree's current state is
   * unchanged, so every document still comes out right.
   */
  withoutDirectoryMoves?: boolean;
  timeoutMs?: number;
  label?: string;
  /** Another build of the daemon (its main.js), e.g. to compare before and after a change. */
  daemonMain?: string;
  /** More EPIPE_* settings for the daemon. */
  daemonEnv?: Record<string, string>;
  /** More of the daemon's settings (e.g. the coalesce stage off). */
  env?: Record<string, string>;
  /** Called with every sample of the daemon's /metrics (about every 250 ms), e.g. to trace its heap. */
  onMetrics?: (metrics: Map<string, number>) => void;
}

/**
 * Saturation: a preloaded backlog, the daemon started on it, timed until the log table is empty
 * (every row delivered to the enabled sinks and deleted). The daemon reads a backlog with its
 * recovery scan, the same path it takes after any crash.
 */
export async function drainBacklog(
  ctx: BenchContext,
  sinks: Sinks,
  rowsWanted: number,
  options: DrainOptions = {},
): Promise<DrainRun> {
  const label = options.label ?? `sat_${sinks}`;
  const database = `bench_${ctx.run}_${label}`;
  const topic = `bench-${ctx.run}-${label}`.replace(/_/g, '-');
  const index = topic;
  const user = `b${ctx.run}${label}`.replace(/[^a-z0-9]/g, '').slice(0, 32);
  const build = new Progress(`  backlog ${label}`, rowsWanted);
  const backlog = await replicate(ctx.stack, ctx.template!, database, rowsWanted, (n) =>
    build.update(n, `${n} rows`),
  );
  if (options.withoutDirectoryMoves) {
    const admin = rootPool(ctx.stack, { database, connectionLimit: 1 });
    await admin.query(`DELETE FROM fs_log WHERE operation = ${Operation.RENAME} AND is_dir = 1`);
    await admin.end();
    backlog.rows -= backlog.directoryMoves;
    backlog.directoryMoves = 0;
  }
  build.done(`${backlog.rows} rows (${backlog.copies} copies of the workload)`);
  const account = await grantAccount(ctx.stack, database, user);
  const pool = rootPool(ctx.stack, { database, connectionLimit: 1 });
  const loadStart = loadAverage();
  const daemon = await startDaemon({
    env: daemonEnv({
      database,
      ...account,
      topic,
      index,
      kafka: sinks !== 'elastic',
      elastic: sinks !== 'kafka',
      mysqlHost: ctx.stack.mysql.host,
      mysqlPort: ctx.stack.mysql.port,
      brokers: ctx.stack.brokers,
      esUrl: ctx.stack.esUrl,
      ...(options.daemonEnv || options.env ? { extra: { ...options.env, ...options.daemonEnv } } : {}),
    }),
    logFile: join(ctx.rawDir, `daemon-${label}.log`),
    cpuProfileDir: options.cpuProfileDir,
    main: options.daemonMain,
  });
  const progress = new Progress(`  epipe ${label}`, backlog.rows);
  const series: [number, number][] = [];
  const rss: [number, number][] = [];
  let readyAt = 0;
  // Set in a callback: a holder, so the compiler does not narrow it to its initial null.
  const ready = { cpuSeconds: Number.NaN };
  void daemon.waitReady().then(
    (t) => {
      readyAt = t;
      ready.cpuSeconds = daemon.watch.sample()?.cpuSeconds ?? Number.NaN;
    },
    () => undefined,
  );
  let at10 = 0;
  let at90 = 0;
  let prevAcked = 0;
  let completed = false;
  let last = new Map<string, number>();
  const deadline = Date.now() + (options.timeoutMs ?? Math.max(180_000, backlog.rows * 4));
  try {
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      if (daemon.child.exitCode !== null) break;
      const metrics = await daemon.metrics();
      if (metrics.size > 0) {
        last = metrics;
        options.onMetrics?.(metrics);
      }
      const acked = last.get('epipe_ack_rows_deleted_total') ?? prevAcked;
      const now = Date.now();
      if (!at10 && acked >= backlog.rows * 0.1) at10 = now;
      if (!at90 && acked >= backlog.rows * 0.9) at90 = now;
      const since = round((now - daemon.spawnedAtMs) / 1000, 2);
      series.push([since, acked]);
      const proc = daemon.watch.sample();
      if (proc) rss.push([since, round(proc.rssBytes / 1024 / 1024, 0)]);
      prevAcked = acked;
      progress.update(acked, `${acked} rows deleted`);
      if ((await scalar(pool, 'SELECT EXISTS (SELECT 1 FROM fs_log)')) === 0) {
        completed = true;
        break;
      }
    }
    const emptyAt = Date.now();
    const emptyCpu = daemon.watch.sample()?.cpuSeconds ?? Number.NaN;
    last = (await daemon.metrics()).size > 0 ? await daemon.metrics() : last;
    const { code, usage } = await daemon.stop();
    const activeMs = emptyAt - (readyAt || daemon.spawnedAtMs);
    progress.done(completed ? `${backlog.rows} rows in ${(activeMs / 1000).toFixed(1)}s` : 'NOT COMPLETED');
    if (!completed) ctx.notes.push(`${label}: the log table was not empty before the time limit`);
    const sinkEvents = (sink: string): number => last.get(`epipe_sink_events_total{sink="${sink}"}`) ?? 0;
    const deadLetters = [...last.entries()]
      .filter(([k]) => k.startsWith('epipe_dead_letters_total'))
      .reduce((s, [, v]) => s + v, 0);
    const run: DrainRun = {
      sinks,
      ...(options.withoutDirectoryMoves ? { variant: 'no directory moves' } : {}),
      rows: backlog.rows,
      copies: backlog.copies,
      liveInodes: backlog.liveInodes,
      directoryMoves: backlog.directoryMoves,
      startupMs: readyAt ? readyAt - daemon.spawnedAtMs : Number.NaN,
      drainMs: emptyAt - daemon.spawnedAtMs,
      activeMs,
      rowsPerSec: round((backlog.rows * 1000) / activeMs, 0),
      steadyRowsPerSec:
        at10 && at90 > at10 ? round((backlog.rows * 0.8 * 1000) / (at90 - at10), 0) : Number.NaN,
      sinkSeconds: Object.fromEntries(
        ['kafka', 'elasticsearch'].map((sink) => [
          sink,
          {
            seconds: round(last.get(`epipe_sink_batch_seconds_sum{sink="${sink}"}`) ?? 0, 2),
            calls: last.get(`epipe_sink_batch_seconds_count{sink="${sink}"}`) ?? 0,
          },
        ]),
      ),
      eventsKafka: sinkEvents('kafka'),
      eventsElastic: sinkEvents('elasticsearch'),
      deadLetters,
      peakRssMiB: round(usage.peakRssMiB, 0),
      cpuSeconds: round(usage.cpuSeconds, 1),
      activeCpuSeconds: round(emptyCpu - ready.cpuSeconds, 2),
      cpuPercent: round(usage.cpuPercent, 0),
      exitCode: code,
      series,
      rss,
      flatness: flatness(series, backlog.rows),
      kafkaRecords: sinks === 'elastic' ? null : await topicRecords(ctx.stack, topic),
      searchDocs: sinks === 'kafka' ? null : await esCount(ctx.stack, index),
      completed,
      loadAverage: [loadStart, loadAverage()],
    };
    log(
      `  ${label}: ${run.rows} rows, ${run.rowsPerSec} rows/s (steady ${run.steadyRowsPerSec}), startup ${run.startupMs} ms, ` +
        `peak RSS ${run.peakRssMiB} MiB, CPU ${run.cpuPercent}%`,
    );
    return run;
  } finally {
    if (daemon.child.exitCode === null) await daemon.kill();
    await dropRunResources(ctx.stack, { pool, database, user, topic, index });
  }
}
