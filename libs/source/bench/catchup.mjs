// Decode throughput of the binlog tail: write N log rows first, then stream them from the binlog
// position noted before the writes, through zongji, the assembler and the queue, and time it.
// Also times the recovery scan of the same rows for comparison. Runs on the built output, so it
// doubles as a check that the CommonJS build loads ESM-only zongji under plain node.
//
//   npx tsc -b && set -a && . .stack/env && set +a && node libs/source/bench/catchup.mjs [rows]
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const mysql = require('mysql2/promise');
const { createMetrics, silentLogger, BinlogPosition } = require('@epipe/core');
const { BinlogTail } = require('../dist/binlog-tail.js');
const { ChunkQueue } = require('../dist/queue.js');
const { createLogSource, DEFAULT_SOURCE_CONFIG } = require('../dist/index.js');

const ROWS = Number(process.argv[2] ?? 200_000);
const ROWS_PER_TRANSACTION = 100;
const env = process.env;
const server = {
  host: env.EPIPE_MYSQL_HOST ?? '127.0.0.1',
  port: Number(env.EPIPE_MYSQL_PORT ?? 3307),
  user: env.EPIPE_MYSQL_USER ?? 'root',
  password: env.EPIPE_MYSQL_PASSWORD ?? '',
};
const database = `bench_source_${Date.now().toString(36)}`;
const config = {
  ...DEFAULT_SOURCE_CONFIG,
  ...server,
  database,
  serverId: 100_000 + Math.floor(Math.random() * 1_000_000_000),
};

const admin = await mysql.createConnection(server);
try {
  await admin.query(`CREATE DATABASE \`${database}\``);
  await admin.query(`USE \`${database}\``);
  const ddl = readFileSync(new URL('../../metastore/migrations/004_fs_log.sql', import.meta.url), 'utf8');
  await admin.query(ddl.replace(/--.*$/gm, ''));
  const [[start]] = await admin.query('SHOW MASTER STATUS');

  let t = Date.now();
  for (let first = 1; first <= ROWS; first += ROWS_PER_TRANSACTION) {
    const last = Math.min(ROWS, first + ROWS_PER_TRANSACTION - 1);
    await admin.query(
      `INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, project_id, dataset_id, operation,
         logical_time, app_id, user_id, xattr_name, commit_ts_ms)
       SELECT seq, seq DIV 100, CONCAT('part-', seq, '.parquet'), 0, 7, 9, 1 + seq % 10, 1,
         'application_1700000000000_0042', 3, NULL, 1700000000000 + seq FROM seq_${first}_to_${last}`,
    );
  }
  console.log(`wrote ${ROWS} rows in ${ROWS / ROWS_PER_TRANSACTION} transactions in ${Date.now() - t} ms`);

  // Tail path, from the position noted before the writes.
  const metrics = createMetrics();
  let rows = 0;
  let poison = 0;
  let chunks = 0;
  t = Date.now();
  await new Promise((resolve, reject) => {
    const queue = new ChunkQueue(config.queueMaxBytes, {
      pause: () => tail.pause(),
      resume: () => tail.resume(),
    });
    const tail = new BinlogTail(
      config,
      new BinlogPosition(start.File, start.Position),
      { chunk: (c) => queue.push(c), error: (e) => queue.fail(e) },
      { logger: silentLogger(), metrics },
    );
    const signal = new AbortController().signal;
    tail.start();
    (async () => {
      while (rows < ROWS) {
        const chunk = await queue.take(signal);
        rows += chunk.rows.length + chunk.poison.length;
        poison += chunk.poison.length;
        chunks++;
      }
    })()
      .then(resolve, reject)
      .finally(() => tail.stop());
  });
  const tailMs = Date.now() - t;
  console.log(
    `tail: ${rows} rows (${poison} poison) in ${chunks} chunks in ${tailMs} ms = ${Math.round((rows / tailMs) * 1000)} rows/s`,
  );

  // Recovery scan path over the same rows.
  const source = createLogSource(config, { logger: silentLogger(), metrics: createMetrics() });
  const controller = new AbortController();
  let scanned = 0;
  t = Date.now();
  for await (const chunk of source.read(controller.signal)) {
    scanned += chunk.rows.length + chunk.poison.length;
    if (scanned >= ROWS) controller.abort();
  }
  const scanMs = Date.now() - t;
  console.log(`scan: ${scanned} rows in ${scanMs} ms = ${Math.round((scanned / scanMs) * 1000)} rows/s`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin.end();
}
