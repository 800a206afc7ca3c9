import { randomInt } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { createMetrics, silentLogger } from '@epipe/core';
import { createElasticSink, buildInodeSource, DEFAULT_ELASTIC_SINK_CONFIG } from '@epipe/sink-elastic';
import { createKafkaSink, DEFAULT_KAFKA_SINK_CONFIG } from '@epipe/sink-kafka';
import { createLogSource, DEFAULT_SOURCE_CONFIG, type SourceConfig } from '@epipe/source';
import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import type { Marked } from '../conditions';
import type { BenchContext } from '../context';
import { log } from '../progress';
import { deleteIndex, deleteTopics, dropDatabase, freshDatabase, kafka, bestEffort } from '../stack';
import { round } from '@epipe/harness';
import { sampleDoc, sampleEvent } from '../samples';

export interface Ceiling extends Marked {
  what: string;
  items: number;
  ms: number;
  perSec: number;
}

/** One round of the ceilings (each component measured once); a run holds one per round. */
export interface CeilingsResult {
  round?: number;
  zongjiOneRowTx?: Ceiling;
  zongjiHundredRowTx?: Ceiling;
  sourceScan?: Ceiling;
  kafkajs?: Ceiling;
  kafkaSink?: Ceiling;
  elasticBulk?: Ceiling;
  elasticSink?: Ceiling;
  /** The smallest of zongji (workload-shaped transactions), kafkajs and Elasticsearch bulk. */
  smallest?: { what: string; perSec: number };
}

function ceiling(what: string, items: number, ms: number): Ceiling {
  const c = { what, items, ms, perSec: round((items * 1000) / Math.max(1, ms), 0) };
  log(`  ${what}: ${items} in ${ms} ms = ${c.perSec}/s`);
  return c;
}

export type CeilingSizes = { binlogOneRow: number; binlogBulk: number; kafka: number; elastic: number };

/** One timed item of a ceilings round: its name and its run. */
export interface CeilingItem {
  name: string;
  run(): Promise<Partial<CeilingsResult>>;
}

/**
 * Raw limits of this machine, each component alone, with the same data shapes epipe moves: the
 * items of one round, each timed (and marked if disturbed) on its own.
 */
export function ceilingItems(base: BenchContext, sizes: CeilingSizes, round: number): CeilingItem[] {
  // Names carry the round: a topic deleted a moment ago may still be marked for deletion.
  const ctx = { ...base, run: `${base.run}r${round}` };
  return [
    {
      name: 'zongji, 1 row/tx',
      run: async () => ({ zongjiOneRowTx: (await zongjiCeiling(ctx, sizes.binlogOneRow, 1)).zongji }),
    },
    {
      name: 'zongji, 100 rows/tx; recovery scan',
      run: async () => {
        const { zongji, scan } = await zongjiCeiling(ctx, sizes.binlogBulk, 100, true);
        return { zongjiHundredRowTx: zongji, sourceScan: scan! };
      },
    },
    {
      name: 'kafkajs',
      run: async () => ({ kafkajs: await kafkajsCeiling(ctx, sizes.kafka) }),
    },
    {
      name: "epipe's Kafka sink",
      run: async () => ({ kafkaSink: await kafkaSinkCeiling(ctx, sizes.kafka) }),
    },
    {
      name: 'Elasticsearch bulk',
      run: async () => ({ elasticBulk: await elasticBulkCeiling(ctx, sizes.elastic) }),
    },
    {
      name: "epipe's search sink",
      run: async () => ({ elasticSink: await elasticSinkCeiling(ctx, sizes.elastic) }),
    },
  ];
}

/** The smallest of zongji (workload-shaped transactions), kafkajs and Elasticsearch bulk. */
export function smallestCeiling(c: Partial<CeilingsResult>): CeilingsResult['smallest'] | undefined {
  const candidates = [c.zongjiOneRowTx, c.kafkajs, c.elasticBulk].filter((x): x is Ceiling => !!x);
  if (candidates.length === 0) return undefined;
  const smallest = candidates.reduce((a, b) => (b.perSec < a.perSec ? b : a));
  return { what: smallest.what, perSec: smallest.perSec };
}

const INSERT_ROW = `INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, project_id, dataset_id, operation,
  logical_time, app_id, user_id, xattr_name, commit_ts_ms)`;

/**
 * zongji decoding alone: rows are committed first, then streamed from the position noted before
 * them, as fast as zongji decodes (no epipe code in the loop). One row per transaction is the
 * workload's shape (one file-system operation, one transaction); 100 is the bulk shape.
 */
async function zongjiCeiling(
  ctx: BenchContext,
  rows: number,
  perTx: number,
  withScan = false,
): Promise<{ zongji: Ceiling; scan?: Ceiling }> {
  const database = `bench_${ctx.run}_zj${perTx}`;
  await freshDatabase(ctx.stack, database);
  const conn = await createConnection({ ...ctx.stack.mysql, database, multipleStatements: true });
  try {
    const [status] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const file = String(status[0]!.File);
    const position = Number(status[0]!.Position);
    const values = (first: number, last: number): string =>
      `SELECT seq, seq DIV 100, CONCAT('part-', seq, '.parquet'), 0, 1, 1, 1 + seq % 10, 1,
         'application_1700000000000_0001', 2, NULL, ${Date.now()} FROM seq_${first}_to_${last}`;
    if (perTx === 1) {
      // Many single-row transactions per round trip, so writing them does not take minutes.
      for (let first = 1; first <= rows; first += 500) {
        const statements: string[] = [];
        for (let i = first; i < Math.min(rows + 1, first + 500); i++)
          statements.push(`BEGIN; ${INSERT_ROW} ${values(i, i)}; COMMIT;`);
        await conn.query(statements.join('\n'));
      }
    } else {
      for (let first = 1; first <= rows; first += perTx)
        await conn.query(`${INSERT_ROW} ${values(first, Math.min(rows, first + perTx - 1))}`);
    }
    const zongji = await decode(ctx, database, file, position, rows, perTx);
    let scan: Ceiling | undefined;
    if (withScan) scan = await scanCeiling(ctx, database, rows);
    return { zongji, scan };
  } finally {
    await conn.end();
    await bestEffort(() => dropDatabase(ctx.stack, database));
  }
}

function decode(
  ctx: BenchContext,
  database: string,
  filename: string,
  position: number,
  rows: number,
  perTx: number,
): Promise<Ceiling> {
  return new Promise((resolve, reject) => {
    const zongji = new ZongJi({ ...ctx.stack.mysql });
    let seen = 0;
    let firstAt = 0;
    const timer = setTimeout(
      () => finish(new Error(`zongji decoded only ${seen} of ${rows} rows in 120 s`)),
      120_000,
    );
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      const ms = Date.now() - firstAt;
      zongji.stop();
      if (err) reject(err);
      else resolve(ceiling(`zongji decode, ${perTx} row${perTx > 1 ? 's' : ''}/transaction`, seen, ms));
    };
    zongji.on('error', (err: Error) => finish(err));
    zongji.on('binlog', (event: AnyBinlogEvent) => {
      if (!firstAt) firstAt = Date.now();
      if (event.getEventName() === 'writerows') {
        seen += (event as { rows: unknown[] }).rows.length;
        if (seen >= rows) finish();
      }
    });
    zongji.start({
      serverId: 200_000 + randomInt(1_000_000_000),
      filename,
      position,
      includeEvents: ['rotate', 'mariadbgtid', 'query', 'xid', 'tablemap', 'writerows'],
      includeSchema: { [database]: ['fs_log'] },
    });
  });
}

/** epipe's recovery scan alone (the path a backlog takes): pages of the log table in a snapshot. */
async function scanCeiling(ctx: BenchContext, database: string, rows: number): Promise<Ceiling> {
  const config = {
    ...DEFAULT_SOURCE_CONFIG,
    ...ctx.stack.mysql,
    database,
    serverId: 200_000 + randomInt(1_000_000_000),
  };
  const scan = await timeRecoveryScan(config, rows);
  return ceiling('epipe source, recovery scan', scan.rows, scan.ms);
}

/** Reads the log table with the source's recovery scan until `rows` rows came; how long it took. */
export async function timeRecoveryScan(
  config: SourceConfig,
  rows: number,
): Promise<{ rows: number; ms: number }> {
  const source = createLogSource(config, { logger: silentLogger(), metrics: createMetrics() });
  const controller = new AbortController();
  let scanned = 0;
  const started = Date.now();
  for await (const chunk of source.read(controller.signal)) {
    scanned += chunk.rows.length + chunk.poison.length;
    if (scanned >= rows) controller.abort();
  }
  return { rows: scanned, ms: Date.now() - started };
}

const BATCH = 5_000;

/** kafkajs alone: an idempotent producer, acks from all replicas, 6 partitions, keyed by inode. */
async function kafkajsCeiling(ctx: BenchContext, count: number): Promise<Ceiling> {
  const topic = `bench-${ctx.run}-ceiling-kafkajs`;
  const client = kafka(ctx.stack);
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const started = Date.now();
    for (let first = 0; first < count; first += BATCH) {
      const messages = [];
      for (let i = first; i < Math.min(count, first + BATCH); i++) {
        const event = sampleEvent(i);
        messages.push({
          key: String(event.inodeId),
          value: JSON.stringify(event),
          headers: { 'epipe-event-id': event.eventId },
        });
      }
      await producer.send({ topic, acks: -1, messages });
    }
    return ceiling('kafkajs produce (idempotent, acks=all)', count, Date.now() - started);
  } finally {
    await producer.disconnect();
    await bestEffort(() => deleteTopics(ctx.stack, [topic]));
  }
}

/** epipe's Kafka sink alone, with the daemon's defaults, batches the size of an epoch. */
async function kafkaSinkCeiling(ctx: BenchContext, count: number): Promise<Ceiling> {
  const topic = `bench-${ctx.run}-ceiling-sink`;
  const sink = createKafkaSink(
    {
      ...DEFAULT_KAFKA_SINK_CONFIG,
      brokers: ctx.stack.brokers,
      clientId: 'epipe-bench',
      topic,
      deadLetterTopic: `${topic}.dlq`,
      source: 'bench',
    },
    { logger: silentLogger() },
  );
  await sink.start();
  try {
    const started = Date.now();
    for (let first = 0; first < count; first += BATCH) {
      const events = [];
      for (let i = first; i < Math.min(count, first + BATCH); i++) events.push(sampleEvent(i));
      await sink.publish(events);
    }
    return ceiling("epipe's Kafka sink", count, Date.now() - started);
  } finally {
    await sink.close();
    await bestEffort(() => deleteTopics(ctx.stack, [topic, `${topic}.dlq`]));
  }
}

function elasticSink(ctx: BenchContext, index: string): ReturnType<typeof createElasticSink> {
  return createElasticSink(
    { ...DEFAULT_ELASTIC_SINK_CONFIG, url: ctx.stack.esUrl, index, requestTimeoutMs: 60_000 },
    { logger: silentLogger() },
  );
}

/**
 * Elasticsearch bulk indexing alone: the index epipe creates (its template and mappings), then
 * plain bulk requests of whole documents with external versions, two in flight, distinct inodes.
 */
async function elasticBulkCeiling(ctx: BenchContext, count: number): Promise<Ceiling> {
  const index = `bench-${ctx.run}-ceiling-bulk`;
  const sink = elasticSink(ctx, index);
  await sink.start();
  await sink.close();
  const client = new Client({ node: ctx.stack.esUrl, requestTimeout: 60_000 });
  const perRequest = 2_000;
  try {
    const started = Date.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const first = next;
        next += perRequest;
        const operations: unknown[] = [];
        for (let i = first; i < Math.min(count, first + perRequest); i++) {
          const doc = sampleDoc(i);
          operations.push({
            index: { _index: index, _id: String(doc.inodeId), version: 1, version_type: 'external' },
          });
          operations.push(buildInodeSource(doc));
        }
        const response = await client.bulk({ operations });
        if (response.errors) throw new Error('elasticsearch bulk ceiling: item errors');
      }
    };
    await Promise.all([worker(), worker()]);
    return ceiling('Elasticsearch bulk index (2 in flight)', count, Date.now() - started);
  } finally {
    await client.close();
    await bestEffort(() => deleteIndex(ctx.stack, index));
  }
}

/** epipe's search sink alone, batches the size of an epoch. */
async function elasticSinkCeiling(ctx: BenchContext, count: number): Promise<Ceiling> {
  const index = `bench-${ctx.run}-ceiling-essink`;
  const sink = elasticSink(ctx, index);
  await sink.start();
  try {
    const started = Date.now();
    for (let first = 0; first < count; first += BATCH) {
      const changes = [];
      for (let i = first; i < Math.min(count, first + BATCH); i++)
        changes.push({ kind: 'upsert' as const, doc: sampleDoc(i) });
      const result = await sink.apply(changes);
      if (result.rejected.length > 0)
        throw new Error(`search sink refused ${result.rejected.length} documents`);
    }
    return ceiling("epipe's search sink", count, Date.now() - started);
  } finally {
    await sink.close();
    await bestEffort(() => deleteIndex(ctx.stack, index));
  }
}
