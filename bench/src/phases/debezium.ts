import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { replicate } from '../backlog';
import type { Marked } from '../conditions';
import type { BenchContext } from '../context';
import { parseDebezium, startConsumer } from '../consumer';
import { freePort } from '@epipe/harness';
import {
  CONNECT_VERSION,
  DEBEZIUM_VERSION,
  ensureDebezium,
  startConnect,
  type ConnectProcess,
} from '../debezium';
import { runGenerator } from '../generator';
import { Progress, log } from '../progress';
import { deleteTopics, dropDatabase, bestEffort } from '../stack';
import { cdf, round, summarize, type LagSummary } from '@epipe/harness';
import { type Load, offeredLoad } from './lag';

export interface DebeziumLoad {
  label: string;
  offeredOpsPerSec: number;
  achievedOpsPerSec: number;
  eventsPerSec: number;
  kafka: LagSummary;
  kafkaCdf: [number, number][];
}

export interface DebeziumSnapshot extends Marked {
  /** Which of the interleaved rounds (1-based). */
  round?: number;
  rows: number;
  /** JVM spawn to the first record in the consumer. */
  startupMs: number;
  /** First to last record: the snapshot's publishing rate. */
  activeMs: number;
  rowsPerSec: number;
  peakRssMiB: number;
  cpuPercent: number;
}

export interface DebeziumResult {
  debezium: string;
  connect: string;
  ran: boolean;
  error: string | null;
  /** One snapshot per round, each by a fresh Kafka Connect on the same backlog. */
  snapshots: DebeziumSnapshot[];
  /** Results written before the snapshot was repeated: one snapshot. */
  snapshot?: DebeziumSnapshot | null;
  loads: DebeziumLoad[];
  settings: string;
}

export interface DebeziumLoadOptions {
  loads: Load[];
  seconds: number;
  warmupSeconds: number;
  processes: number;
  writersPerProcess: number;
  tunedPollLoad?: Load;
}

type Consumer = Awaited<ReturnType<typeof startConsumer>>;

/**
 * The peer: Debezium's MariaDB connector in Kafka Connect standalone, on the same server,
 * Kafka, backlog and workload, read by the same consumer. Throughput: its initial snapshot of
 * the preloaded backlog (what it does with rows already in the table, as epipe's recovery scan
 * does), once per round, each time a fresh Connect (own offsets, topic prefix and server id) on
 * the same backlog (a snapshot only reads it). Lag: streaming, after the last snapshot, while the
 * writers offer the same loads as for epipe. Debezium publishes raw rows to Kafka only: no
 * enrichment, no search index, no deletes.
 */
export class DebeziumSession {
  readonly result: DebeziumResult = {
    debezium: DEBEZIUM_VERSION,
    connect: CONNECT_VERSION,
    ran: false,
    error: null,
    snapshots: [],
    loads: [],
    settings:
      'MariaDbConnector, snapshot.mode=initial, snapshot.locking.mode=none, JSON converter without schemas, ' +
      'otherwise defaults (poll.interval.ms 500, max.batch.size 2048, max.queue.size 8192); Connect producer defaults',
  };
  private libs: string | null = null;
  private unavailable = false;
  private database: string;
  private rows = 0;
  private snapshots = 0;
  private readonly prefixes: string[] = [];
  /** The Connect of the last snapshot, kept running for the lag loads. */
  private live: { connect: ConnectProcess; consumer: Consumer; window: LagWindow } | null = null;

  constructor(
    private readonly ctx: BenchContext,
    private readonly backlogRows: number,
  ) {
    this.database = `bench_${ctx.run}_dbz`;
  }

  /** Fetches Debezium once and builds the backlog once; false (and `result.error`) when it cannot run here. */
  private async prepare(): Promise<boolean> {
    if (this.libs) return true;
    if (this.unavailable) return false;
    try {
      this.libs = await ensureDebezium(log);
    } catch (err) {
      // Not here (no Java or Maven): no round will run it; a failed snapshot is another matter.
      this.unavailable = true;
      this.result.error = (err as Error).message;
      log(`  Debezium cannot run here: ${this.result.error}`);
      return false;
    }
    const build = new Progress('  backlog dbz', this.backlogRows);
    const backlog = await replicate(
      this.ctx.stack,
      this.ctx.template!,
      this.database,
      this.backlogRows,
      (n) => build.update(n, `${n} rows`),
    );
    this.rows = backlog.rows;
    build.done(`${backlog.rows} rows`);
    return true;
  }

  /**
   * One snapshot of the backlog by a fresh Connect; with `keepRunning` the Connect stays up,
   * streaming, for the lag loads that follow. Throws when the snapshot does not complete.
   */
  async snapshot(roundNo: number, keepRunning = false): Promise<DebeziumSnapshot | null> {
    await this.stopLive();
    if (!(await this.prepare())) return null;
    const n = ++this.snapshots;
    const prefix = `dbz${this.ctx.run}s${n}`;
    this.prefixes.push(`${prefix}.${this.database}.fs_log`);
    const connect = startConnect({
      libs: this.libs!,
      dir: join(this.ctx.rawDir, `debezium-${this.ctx.run}-${n}`),
      stack: this.ctx.stack,
      database: this.database,
      topicPrefix: prefix,
      restPort: await freePort(),
      serverId: 300_000 + randomInt(1_000_000_000),
    });
    let firstAt = 0;
    let lastAt = 0;
    let count = 0;
    const window: LagWindow = { from: Number.POSITIVE_INFINITY, to: Number.POSITIVE_INFINITY, lags: [] };
    let consumer: Consumer | undefined;
    let keep = false;
    try {
      const progress = new Progress(`  debezium snapshot ${n}`, this.rows);
      consumer = await startConsumer(this.ctx.stack, connect.topic, parseDebezium, (r) => {
        if (r.duplicate) return;
        count++;
        if (!firstAt) firstAt = r.receivedAtMs;
        lastAt = r.receivedAtMs;
        if (r.commitTsMs >= window.from && r.commitTsMs < window.to)
          window.lags.push(r.receivedAtMs - r.commitTsMs);
      });
      const deadline = Date.now() + Math.max(180_000, this.rows * 2);
      while (count < this.rows && Date.now() < deadline && connect.child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 250));
        progress.update(count, `${count} records`);
      }
      if (count < this.rows) {
        progress.done('FAILED');
        throw new Error(
          connect.child.exitCode !== null
            ? `Kafka Connect exited with ${connect.child.exitCode}: ${connect.firstError() ?? 'no ERROR line in its log'}`
            : `only ${count} of ${this.rows} rows arrived in time; ${connect.firstError() ?? 'no ERROR line in its log'}`,
        );
      }
      const usage = connect.watch.usage();
      const snap: DebeziumSnapshot = {
        round: roundNo,
        rows: this.rows,
        startupMs: firstAt - connect.spawnedAtMs,
        activeMs: lastAt - firstAt,
        rowsPerSec: round((this.rows * 1000) / Math.max(1, lastAt - firstAt), 0),
        peakRssMiB: round(usage.peakRssMiB, 0),
        cpuPercent: round(usage.cpuPercent, 0),
      };
      this.result.ran = true;
      progress.done(`${snap.rowsPerSec} rows/s (JVM start to first record ${snap.startupMs} ms)`);
      keep = keepRunning;
      if (keep) this.live = { connect, consumer, window };
      return snap;
    } catch (err) {
      this.result.error = `${(err as Error).message}${connect.firstError() ? `; Connect log: ${connect.firstError()}` : ''}`;
      throw err;
    } finally {
      if (!keep) {
        await consumer?.stop().catch(() => undefined);
        await connect.stop();
      }
    }
  }

  /** Lag while writers offer each load, streamed by the Connect of the last snapshot. */
  async lagLoads(options: DebeziumLoadOptions): Promise<DebeziumLoad[]> {
    if (!this.live) throw new Error('no Debezium is streaming: the last snapshot did not keep it running');
    const { connect: c, window: w } = this.live;
    await new Promise((r) => setTimeout(r, 2_000)); // snapshot to streaming hand-over
    const loads = [...options.loads];
    if (options.tunedPollLoad) loads.push(options.tunedPollLoad);
    const out: DebeziumLoad[] = [];
    for (const [i, load] of loads.entries()) {
      if (load === options.tunedPollLoad) {
        await c.reconfigure({ 'poll.interval.ms': '50' });
        await new Promise((r) => setTimeout(r, 5_000)); // the task restarts with the new setting
      }
      w.from = Number.POSITIVE_INFINITY;
      w.to = Number.POSITIVE_INFINITY;
      w.lags = [];
      const bar = new Progress(`  debezium load ${load.label}`, options.seconds);
      const warm = setTimeout(() => (w.from = Date.now()), options.warmupSeconds * 1000);
      const run = await runGenerator(
        this.ctx.stack,
        offeredLoad(this.database, `dbzlag${i}`, load, i, options),
        {
          onProgress: (ops, ms) => bar.update(ms / 1000, `${ops} ops`),
        },
      );
      clearTimeout(warm);
      w.to = Date.now();
      await new Promise((r) => setTimeout(r, 3_000)); // stragglers
      const kafka = summarize(w.lags);
      const at: DebeziumLoad = {
        label: load.label,
        offeredOpsPerSec: load.rate,
        achievedOpsPerSec: round(run.opsPerSec, 0),
        eventsPerSec: round((w.lags.length * 1000) / (w.to - w.from), 0),
        kafka: {
          ...kafka,
          p50: round(kafka.p50, 0),
          p95: round(kafka.p95, 0),
          p99: round(kafka.p99, 0),
          max: round(kafka.max, 0),
          mean: round(kafka.mean, 0),
        },
        kafkaCdf: cdf(w.lags),
      };
      bar.done(`${at.achievedOpsPerSec} ops/s; Kafka p50 ${at.kafka.p50} p99 ${at.kafka.p99} ms`);
      out.push(at);
    }
    return out;
  }

  private async stopLive(): Promise<void> {
    const live = this.live;
    this.live = null;
    if (!live) return;
    await live.consumer.stop().catch(() => undefined);
    await live.connect.stop();
  }

  /** Stops a Connect still running and drops the backlog and every snapshot's topic. */
  async close(): Promise<void> {
    await this.stopLive();
    await bestEffort(() => dropDatabase(this.ctx.stack, this.database));
    await bestEffort(() => deleteTopics(this.ctx.stack, this.prefixes));
  }
}

interface LagWindow {
  from: number;
  to: number;
  lags: number[];
}
