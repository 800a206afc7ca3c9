import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createSubscriber } from '@epipe/client';
import { DAEMON_MAIN, stackEnv, startDaemon, summarize } from '@epipe/harness';
import { grantEpipeUser, migrate, NameNode, quoteDatabase } from '@epipe/metastore';
import { HOPSFS_MIX, runLineageStory, runWorkload, setupWorkload } from '@epipe/workload';
import { createPool, type RowDataPacket } from 'mysql2/promise';

/**
 * `make demo`: a fresh metadata database, the daemon as its own process with a least-privilege
 * user, a few concurrent writers for about 30 s, and a subscriber measuring commit-to-Kafka lag;
 * then issue 9's lineage story through the name node, ending with `epipe lineage fraud/1`.
 */
async function main(): Promise<void> {
  const env = process.env;
  const seconds = Number(env.EPIPE_DEMO_SECONDS ?? 30);
  const writers = Number(env.EPIPE_DEMO_WRITERS ?? 4);
  const { mysql: admin, brokers, esUrl } = stackEnv(env);
  const { host, port } = admin;
  const run = Date.now().toString(36);
  // Another name lets a second demo run beside the first on one stack.
  const database = env.EPIPE_DEMO_DATABASE ?? 'epipe_demo';
  const user = database;
  const topic = `epipe-demo-${run}`;
  const index = `epipe-demo-${run}`;
  const logDir = resolve(env.EPIPE_STACK_DIR ?? '.stack');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'demo-epipe.log');
  const httpPort = Number(env.EPIPE_DEMO_HTTP_PORT ?? 9465);

  const root = createPool(admin);
  await root.query(`DROP DATABASE IF EXISTS ${quoteDatabase(database)}`);
  await migrate(root, database);
  const password = randomBytes(12).toString('hex');
  await grantEpipeUser(root, { database, user, password, host: '%' });
  await root.end();
  const pool = createPool({
    ...admin,
    database,
    connectionLimit: writers + 4,
    // The NameNode sends its last log INSERT and its COMMIT as one query.
    multipleStatements: true,
  });
  const nn = new NameNode(pool);
  step(
    `metadata database ${database} migrated; epipe connects as ${user} (replication + SELECT + DELETE on fs_log)`,
  );

  const daemon = startDaemon(
    {
      EPIPE_MYSQL_HOST: host,
      EPIPE_MYSQL_PORT: String(port),
      EPIPE_MYSQL_USER: user,
      EPIPE_MYSQL_PASSWORD: password,
      EPIPE_MYSQL_DATABASE: database,
      EPIPE_KAFKA_BROKERS: brokers.join(','),
      EPIPE_KAFKA_TOPIC: topic,
      EPIPE_KAFKA_DLQ_TOPIC: `${topic}.dlq`,
      EPIPE_PROVENANCE_TOPIC: `${topic}.provenance`,
      EPIPE_ES_URL: esUrl,
      EPIPE_ES_INDEX: index,
      EPIPE_HTTP_PORT: String(httpPort),
      EPIPE_LOG_LEVEL: env.EPIPE_LOG_LEVEL ?? 'info',
    },
    logFile,
  );
  // Never leave the daemon behind, whatever fails below.
  process.once('exit', () => daemon.child.exitCode === null && daemon.child.kill('SIGKILL'));
  await waitReady(`http://127.0.0.1:${httpPort}/readyz`, daemon.exited);
  step(
    `daemon ready (pid ${daemon.child.pid}, metrics on http://127.0.0.1:${httpPort}/metrics); its log: ${logFile}`,
  );

  const lags: number[] = [];
  const seen = new Set<string>();
  let firstCommit = Number.POSITIVE_INFINITY;
  let lastDelivery = 0;
  const subscriber = createSubscriber({ brokers, topic, groupId: `demo-${run}`, fromBeginning: true });
  await subscriber.start(({ event, receivedAtMs }) => {
    if (seen.has(event.eventId)) return;
    seen.add(event.eventId);
    lags.push(receivedAtMs - event.commitTsMs);
    firstCommit = Math.min(firstCommit, event.commitTsMs);
    lastDelivery = Math.max(lastDelivery, receivedAtMs);
  });
  step(`subscribed to ${topic}`);

  const setup = await setupWorkload(nn, 'demo', writers);
  step(
    `project /Projects/demo with datasets ${setup.datasets.join(', ')}; ${writers} writers for ${seconds}s`,
  );
  const pending = async (): Promise<number> => {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM fs_log');
    return Number(rows[0]?.n ?? 0);
  };
  let lastOps = 0;
  const stats = await runWorkload(nn, setup, {
    project: 'demo',
    writers,
    durationMs: seconds * 1000,
    ratePerSec: Number(env.EPIPE_DEMO_RATE ?? 0),
    mix: HOPSFS_MIX,
    seed: 42,
    onProgress: (s) => {
      const recent = lags.slice(-2000);
      const lag = summarize(recent);
      void pending().then((p) => {
        process.stdout.write(
          `\r[${Math.round(s.elapsedMs / 1000)}s] ops ${s.operations} (${s.operations - lastOps}/s) | events in Kafka ${seen.size} | log rows pending ${p} | lag p50 ${fmt(lag.p50)} p99 ${fmt(lag.p99)}   `,
        );
        lastOps = s.operations;
      });
    },
  });
  process.stdout.write('\n');
  step(
    `workload done: ${stats.operations} operations (${stats.refused} refused by the name node) in ${(stats.elapsedMs / 1000).toFixed(1)}s`,
  );

  const [logged] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM fs_log');
  const deadline = Date.now() + 120_000;
  let left = Number(logged[0]?.n ?? 0);
  while ((left = await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  await new Promise((r) => setTimeout(r, 1_500)); // the last Kafka fetches
  const lag = summarize(lags);
  const seconds2 = (lastDelivery - firstCommit) / 1000;
  console.log('');
  console.log('=== epipe demo results ===');
  console.log(`events delivered to Kafka : ${seen.size}`);
  console.log(
    `throughput                : ${(seen.size / seconds2).toFixed(0)} events/s (first commit to last delivery)`,
  );
  console.log(
    `lag commit -> Kafka       : p50 ${fmt(lag.p50)}  p95 ${fmt(lag.p95)}  p99 ${fmt(lag.p99)}  max ${fmt(lag.max)}`,
  );
  console.log(
    `log table rows left       : ${left}${left === 0 ? ' (empty: every row acknowledged by Kafka and Elasticsearch, then deleted)' : ' (NOT EMPTY)'}`,
  );

  await fetch(`${esUrl}/${index}/_refresh`, { method: 'POST' });
  const search = (await (
    await fetch(`${esUrl}/${index}/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        size: 3,
        query: {
          bool: {
            must: [{ match: { 'path.text': 'demo_Training_Datasets' } }, { match: { xattr_text: 'alice' } }],
            filter: [{ term: { is_dir: false } }],
          },
        },
      }),
    })
  ).json()) as { hits?: { total?: { value: number }; hits?: { _source: { path: string; size: number } }[] } };
  console.log(
    `search "files under demo_Training_Datasets with an xattr mentioning alice": ${search.hits?.total?.value ?? 0} hits`,
  );
  for (const hit of search.hits?.hits ?? [])
    console.log(`   ${hit._source.path} (${hit._source.size} bytes)`);
  const [inodes] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM inodes WHERE id > 1');
  const count = (await (await fetch(`${esUrl}/${index}/_count`)).json()) as { count: number };
  console.log(`search index documents    : ${count.count} (inodes in the database: ${Number(inodes[0]?.n)})`);

  await printStageTimes(`http://127.0.0.1:${httpPort}/metrics`);

  // Provenance: the lineage story, then what went into the model, from the daemon's indices.
  step('lineage story: apps of pipeline run R make fg_a_1, fg_b_2 -> td_1 -> Models/fraud/1 (2,000 reads)');
  const storyStart = Date.now();
  const story = await runLineageStory(nn, { project: 'demo', user: setup.users[0]!, trainingReads: 2_000 });
  const storyRows = await pending();
  const storyDeadline = Date.now() + 120_000;
  while ((await pending()) > 0 && Date.now() < storyDeadline) await new Promise((r) => setTimeout(r, 250));
  const storyLeft = await pending();
  step(
    `story written in ${((Date.now() - storyStart) / 1000).toFixed(1)}s; fs_log ${storyLeft === 0 ? 'empty' : `NOT EMPTY (${storyLeft})`} once its provenance windows were published (${storyRows} rows were still waiting when the writes ended)`,
  );
  await printProvenance(`http://127.0.0.1:${httpPort}/metrics`);
  await subscriber.stop();
  const code = await daemon.stop();
  console.log(`daemon stopped on SIGTERM with exit code ${code}`);
  await pool.end();
  const cliEnv = { ...process.env, EPIPE_ES_URL: esUrl, EPIPE_ES_INDEX: index };
  const args = ['lineage', 'fraud/1', '--project', 'demo', '--depth', '2'];
  console.log(`\n$ epipe ${args.join(' ')}   (run ${story.pipelineRun})`);
  const lineage = await new Promise<{ code: number; out: string }>((done) => {
    execFile(process.execPath, [DAEMON_MAIN, ...args], { env: cliEnv }, (err, stdout, stderr) => {
      done({ code: err ? 1 : 0, out: `${stdout}${err ? stderr : ''}` });
    });
  });
  process.stdout.write(lineage.out);
  if (left !== 0 || storyLeft !== 0 || code !== 0 || lineage.code !== 0) process.exitCode = 1;
}

/** Provenance events published, by operation, from the daemon's metrics. */
async function printProvenance(url: string): Promise<void> {
  const text = await fetch(url).then(
    (r) => r.text(),
    () => '',
  );
  const lines = text.split('\n').filter((l) => l.startsWith('epipe_provenance_events_total{'));
  const byOp = lines.map((l) => `${/op="([A-Z]+)"/.exec(l)?.[1] ?? '?'} ${l.split(' ').at(-1)}`);
  console.log(`provenance events         : ${byOp.join(', ') || 'none'}`);
}

/** Where the time goes: the daemon's own per-batch sink latencies and its process CPU. */
async function printStageTimes(url: string): Promise<void> {
  const text = await fetch(url).then(
    (r) => r.text(),
    () => '',
  );
  const value = (name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line ? Number(line.split(' ').at(-1)) : Number.NaN;
  };
  for (const sink of ['kafka', 'elasticsearch']) {
    const sum = value(`epipe_sink_batch_seconds_sum{sink="${sink}"}`);
    const count = value(`epipe_sink_batch_seconds_count{sink="${sink}"}`);
    console.log(
      `${`${sink} per batch`.padEnd(26)}: ${((1000 * sum) / count).toFixed(1)}ms average over ${count} batches`,
    );
  }
  const cpu = value('epipe_process_cpu_seconds_total');
  const uptime = Date.now() / 1000 - value('epipe_process_start_time_seconds');
  const rss = value('epipe_process_resident_memory_bytes');
  console.log(
    `daemon CPU and memory     : ${((100 * cpu) / uptime).toFixed(0)}% of one core, RSS ${(rss / 2 ** 20).toFixed(0)} MiB`,
  );
}

async function waitReady(url: string, exited: Promise<number | null>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !gone) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the daemon did not become ready (${gone ? 'it exited' : 'timed out'}); see its log`);
}

function fmt(ms: number): string {
  return Number.isFinite(ms) ? `${Math.round(ms)}ms` : '-';
}

function step(text: string): void {
  console.log(`* ${text}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
