import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { replicate } from '../backlog';
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

export interface DebeziumResult {
  debezium: string;
  connect: string;
  ran: boolean;
  error: string | null;
  snapshot: {
    rows: number;
    /** JVM spawn to the first record in the consumer. */
    startupMs: number;
    /** First to last record: the snapshot's publishing rate. */
    activeMs: number;
    rowsPerSec: number;
    peakRssMiB: number;
    cpuPercent: number;
  } | null;
  loads: DebeziumLoad[];
  settings: string;
}

/**
 * The peer: Debezium's MariaDB connector in Kafka Connect standalone, on the same server,
 * Kafka, backlog and workload, read by the same consumer. Throughput: its initial snapshot of
 * the preloaded backlog (what it does with rows already in the table, as epipe's recovery scan
 * does). Lag: streaming while the writers offer the same loads as for epipe. Debezium publishes
 * raw rows to Kafka only: no enrichment, no search index, no deletes.
 */
export async function measureDebezium(
  ctx: BenchContext,
  options: {
    rows: number;
    loads: Load[];
    seconds: number;
    warmupSeconds: number;
    processes: number;
    writersPerProcess: number;
    tunedPollLoad?: Load;
  },
): Promise<DebeziumResult> {
  const result: DebeziumResult = {
    debezium: DEBEZIUM_VERSION,
    connect: CONNECT_VERSION,
    ran: false,
    error: null,
    snapshot: null,
    loads: [],
    settings:
      'MariaDbConnector, snapshot.mode=initial, snapshot.locking.mode=none, JSON converter without schemas, ' +
      'otherwise defaults (poll.interval.ms 500, max.batch.size 2048, max.queue.size 8192); Connect producer defaults',
  };
  let libs: string;
  try {
    libs = await ensureDebezium(log);
  } catch (err) {
    result.error = (err as Error).message;
    log(`  Debezium cannot run here: ${result.error}`);
    return result;
  }
  const database = `bench_${ctx.run}_dbz`;
  const prefix = `dbz${ctx.run}`;
  const build = new Progress('  backlog dbz', options.rows);
  const backlog = await replicate(ctx.stack, ctx.template!, database, options.rows, (n) =>
    build.update(n, `${n} rows`),
  );
  build.done(`${backlog.rows} rows`);
  let connect: ConnectProcess | undefined;
  let consumer: Awaited<ReturnType<typeof startConsumer>> | undefined;
  try {
    connect = startConnect({
      libs,
      dir: join(ctx.rawDir, `debezium-${ctx.run}`),
      stack: ctx.stack,
      database,
      topicPrefix: prefix,
      restPort: await freePort(),
      serverId: 300_000 + randomInt(1_000_000_000),
    });
    const c = connect;
    let firstAt = 0;
    let lastAt = 0;
    let count = 0;
    let window: { label: string; from: number; to: number; lags: number[] } | null = null;
    const progress = new Progress('  debezium snapshot', backlog.rows);
    consumer = await startConsumer(ctx.stack, c.topic, parseDebezium, (r) => {
      if (r.duplicate) return;
      count++;
      if (!firstAt) firstAt = r.receivedAtMs;
      lastAt = r.receivedAtMs;
      if (window && r.commitTsMs >= window.from && r.commitTsMs < window.to)
        window.lags.push(r.receivedAtMs - r.commitTsMs);
    });
    const deadline = Date.now() + Math.max(180_000, backlog.rows * 2);
    while (count < backlog.rows && Date.now() < deadline && c.child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 250));
      progress.update(count, `${count} records`);
    }
    if (count < backlog.rows) {
      result.error =
        c.child.exitCode !== null
          ? `Kafka Connect exited with ${c.child.exitCode}: ${c.firstError() ?? 'no ERROR line in its log'}`
          : `only ${count} of ${backlog.rows} rows arrived in time; ${c.firstError() ?? 'no ERROR line in its log'}`;
      progress.done('FAILED');
      log(`  Debezium: ${result.error}`);
      return result;
    }
    const usage = c.watch.usage();
    result.snapshot = {
      rows: backlog.rows,
      startupMs: firstAt - c.spawnedAtMs,
      activeMs: lastAt - firstAt,
      rowsPerSec: round((backlog.rows * 1000) / Math.max(1, lastAt - firstAt), 0),
      peakRssMiB: round(usage.peakRssMiB, 0),
      cpuPercent: round(usage.cpuPercent, 0),
    };
    result.ran = true;
    progress.done(
      `${result.snapshot.rowsPerSec} rows/s (JVM start to first record ${result.snapshot.startupMs} ms)`,
    );
    await new Promise((r) => setTimeout(r, 2_000)); // snapshot to streaming hand-over

    const loads = [...options.loads];
    if (options.tunedPollLoad) loads.push(options.tunedPollLoad);
    for (const [i, load] of loads.entries()) {
      if (load === options.tunedPollLoad) {
        await c.reconfigure({ 'poll.interval.ms': '50' });
        await new Promise((r) => setTimeout(r, 5_000)); // the task restarts with the new setting
      }
      const w = {
        label: load.label,
        from: Number.POSITIVE_INFINITY,
        to: Number.POSITIVE_INFINITY,
        lags: [] as number[],
      };
      window = w;
      const bar = new Progress(`  debezium load ${load.label}`, options.seconds);
      const warm = setTimeout(() => (w.from = Date.now()), options.warmupSeconds * 1000);
      const run = await runGenerator(ctx.stack, offeredLoad(database, `dbzlag${i}`, load, i, options), {
        onProgress: (ops, ms) => bar.update(ms / 1000, `${ops} ops`),
      });
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
      result.loads.push(at);
    }
    return result;
  } catch (err) {
    result.error = `${(err as Error).message}${connect?.firstError() ? `; Connect log: ${connect.firstError()}` : ''}`;
    log(`  Debezium failed: ${result.error}`);
    return result;
  } finally {
    await consumer?.stop().catch(() => undefined);
    if (connect) {
      const usage = await connect.stop();
      if (result.snapshot)
        result.snapshot.peakRssMiB = round(Math.max(result.snapshot.peakRssMiB, usage.peakRssMiB), 0);
    }
    await bestEffort(() => dropDatabase(ctx.stack, database));
    await bestEffort(() => deleteTopics(ctx.stack, [`${prefix}.${database}.fs_log`]));
  }
}
