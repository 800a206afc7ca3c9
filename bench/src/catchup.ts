// Decode throughput of the binlog tail: write N log rows first, then stream them from the binlog
// position noted before the writes, through zongji, the assembler and the queue, and time it.
// Also times the recovery scan of the same rows for comparison. Runs on the built output, so it
// doubles as a check that the CommonJS build loads ESM-only zongji under plain node.
//
//   npx tsc -b bench && set -a && . .stack/env && set +a && node bench/dist/catchup.js [rows]
import { BinlogPosition, createMetrics, silentLogger } from '@epipe/core';
import { BinlogTail, ChunkQueue, DEFAULT_SOURCE_CONFIG, type SourceConfig } from '@epipe/source';
import type { RowDataPacket } from 'mysql2/promise';
import { timeRecoveryScan } from './phases/ceilings';
import { dropDatabase, freshDatabase, rootPool, stackEnv } from './stack';

const ROWS_PER_TRANSACTION = 100;

/** Writes `rows` log rows in transactions of a hundred; returns the binlog position before them. */
async function writeRows(config: SourceConfig, rows: number): Promise<BinlogPosition> {
  const pool = rootPool(stackEnv(), { database: config.database, connectionLimit: 1 });
  try {
    const [[start]] = await pool.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const t = Date.now();
    for (let first = 1; first <= rows; first += ROWS_PER_TRANSACTION) {
      const last = Math.min(rows, first + ROWS_PER_TRANSACTION - 1);
      await pool.query(
        `INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, project_id, dataset_id, operation,
           logical_time, app_id, user_id, xattr_name, commit_ts_ms)
         SELECT seq, seq DIV 100, CONCAT('part-', seq, '.parquet'), 0, 7, 9, 1 + seq % 10, 1,
           'application_1700000000000_0042', 3, NULL, 1700000000000 + seq FROM seq_${first}_to_${last}`,
      );
    }
    console.log(`wrote ${rows} rows in ${rows / ROWS_PER_TRANSACTION} transactions in ${Date.now() - t} ms`);
    return new BinlogPosition(String(start!.File), Number(start!.Position));
  } finally {
    await pool.end();
  }
}

/** The tail path, from `from` until `rows` rows came out of the queue. */
async function timeTail(config: SourceConfig, from: BinlogPosition, rows: number): Promise<void> {
  let seen = 0;
  let poison = 0;
  let chunks = 0;
  const t = Date.now();
  const flow = { pause: () => tail.pause(), resume: () => tail.resume() };
  const queue = new ChunkQueue(config.queueMaxBytes, flow);
  const tail = new BinlogTail(
    config,
    from,
    { chunk: (c) => queue.push(c), error: (e) => queue.fail(e) },
    { logger: silentLogger(), metrics: createMetrics() },
  );
  const signal = new AbortController().signal;
  tail.start();
  try {
    while (seen < rows) {
      const chunk = await queue.take(signal);
      if (!chunk) throw new Error(`the binlog tail ended after ${seen} of ${rows} rows`);
      seen += chunk.rows.length + chunk.poison.length;
      poison += chunk.poison.length;
      chunks++;
    }
  } finally {
    await tail.stop();
  }
  const ms = Date.now() - t;
  console.log(
    `tail: ${seen} rows (${poison} poison) in ${chunks} chunks in ${ms} ms = ${Math.round((seen / ms) * 1000)} rows/s`,
  );
}

/** The recovery scan over the same rows. */
async function timeScan(config: SourceConfig, rows: number): Promise<void> {
  const scan = await timeRecoveryScan(config, rows);
  console.log(
    `scan: ${scan.rows} rows in ${scan.ms} ms = ${Math.round((scan.rows / scan.ms) * 1000)} rows/s`,
  );
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 200_000);
  const stack = stackEnv();
  const database = `bench_source_${Date.now().toString(36)}`;
  const config: SourceConfig = {
    ...DEFAULT_SOURCE_CONFIG,
    ...stack.mysql,
    database,
    serverId: 100_000 + Math.floor(Math.random() * 1_000_000_000),
  };
  await freshDatabase(stack, database);
  try {
    const from = await writeRows(config, rows);
    await timeTail(config, from, rows);
    await timeScan(config, rows);
  } finally {
    await dropDatabase(stack, database);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
