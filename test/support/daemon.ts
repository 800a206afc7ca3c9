import { randomBytes } from 'node:crypto';
import { createLogger, createMetrics, silentLogger, type Logger, type Metrics } from '@epipe/core';
import { grantEpipeUser, dropEpipeUser } from '@epipe/metastore';
import { createPool } from 'mysql2/promise';
import { loadConfig, type EpipeConfig } from '../../services/epipe/src/config/load';
import { createDaemonState, supervise, type DaemonState } from '../../services/epipe/src/runtime/supervisor';
import { ProgressWatch } from '../../services/epipe/src/runtime/progress';
import { daemonHealth } from '../../services/epipe/src/runtime/health';
import { startHttpServer } from '../../services/epipe/src/runtime/http';
import { testEnv, uniqueName } from './env';

export interface InProcessDaemon {
  config: EpipeConfig;
  metrics: Metrics;
  state: DaemonState;
  progress: ProgressWatch;
  /** Clean stop: drain, delete acknowledged rows. */
  stop(): Promise<void>;
  done: Promise<void>;
}

export interface DaemonNames {
  database: string;
  topic: string;
  index: string;
  user: string;
  password: string;
}

/** A least-privilege account and unique Kafka/Elasticsearch names for one test database. */
export async function prepareDaemon(database: string): Promise<DaemonNames> {
  const { mysql } = testEnv();
  const user = uniqueName('ep').slice(0, 30);
  const password = randomBytes(9).toString('hex');
  const admin = createPool({ ...mysql, connectionLimit: 1 });
  try {
    await grantEpipeUser(admin, { database, user, password, host: '%' });
  } finally {
    await admin.end();
  }
  const name = database.replace(/_/g, '-');
  return { database, topic: `${name}-events`, index: `${name}-inodes`, user, password };
}

export async function dropDaemonUser(names: DaemonNames): Promise<void> {
  const admin = createPool({ ...testEnv().mysql, connectionLimit: 1 });
  try {
    await dropEpipeUser(admin, names.user, '%');
  } finally {
    await admin.end();
  }
}

/** The daemon's environment for one test database: the least-privilege account, unique names. */
export function daemonEnv(
  names: DaemonNames,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const env = testEnv();
  return {
    EPIPE_MYSQL_HOST: env.mysql.host,
    EPIPE_MYSQL_PORT: String(env.mysql.port),
    EPIPE_MYSQL_USER: names.user,
    EPIPE_MYSQL_PASSWORD: names.password,
    EPIPE_MYSQL_DATABASE: names.database,
    EPIPE_KAFKA_BROKERS: env.kafkaBrokers.join(','),
    EPIPE_KAFKA_TOPIC: names.topic,
    EPIPE_KAFKA_DLQ_TOPIC: deadLetterTopic(names),
    EPIPE_PROVENANCE_TOPIC: provenanceTopic(names),
    EPIPE_KAFKA_PARTITIONS: '3',
    EPIPE_ES_URL: env.elasticUrl,
    EPIPE_ES_INDEX: names.index,
    EPIPE_HTTP_PORT: '0',
    EPIPE_HEARTBEAT_MS: '2000',
    ...overrides,
  };
}

export function deadLetterTopic(names: DaemonNames): string {
  return `${names.topic}.dlq`;
}

/** Provenance events of one test database (its indices are `<index>_prov_*`). */
export function provenanceTopic(names: DaemonNames): string {
  return `${names.topic}.prov`;
}

export function daemonConfig(names: DaemonNames, overrides: Record<string, string> = {}): EpipeConfig {
  return loadConfig({ env: daemonEnv(names, overrides) });
}

/** Runs the supervisor in this process, as `epipe run` would, until stop(). */
export function startInProcess(config: EpipeConfig): InProcessDaemon {
  const metrics = createMetrics();
  const state = createDaemonState();
  const progress = new ProgressWatch(config.health.stuckAfterMs);
  const controller = new AbortController();
  const done = supervise(config, { logger: testLogger(), metrics, state, progress }, controller.signal);
  return {
    config,
    metrics,
    state,
    progress,
    done,
    async stop() {
      controller.abort();
      await done;
    },
  };
}

/** The daemon's HTTP endpoints for an in-process instance, as `epipe run` serves them. */
export async function serveHttp(
  daemon: InProcessDaemon,
): Promise<{ get(path: string): Promise<[number, string]>; close(): Promise<void> }> {
  const http = await startHttpServer(
    { host: '127.0.0.1', port: 0 },
    daemon.metrics,
    daemonHealth(daemon.state, daemon.progress),
  );
  return {
    async get(path) {
      const res = await fetch(`http://127.0.0.1:${http.port}${path}`, { signal: AbortSignal.timeout(5_000) });
      return [res.status, await res.text()];
    },
    close: () => http.close(),
  };
}

/** Silent unless EPIPE_TEST_LOGS names a level (e.g. EPIPE_TEST_LOGS=debug) to debug a test. */
function testLogger(): Logger {
  const level = process.env.EPIPE_TEST_LOGS;
  return level ? createLogger({ level }) : silentLogger();
}
