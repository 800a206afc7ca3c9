import { declareFields, defaultsOf } from '@epipe/core';

const MiB = 1024 * 1024;

/**
 * The metadata database's connection, as the source (and the service's pool and lock, which
 * reuse it) reads it: the `mysql` section of the configuration. TLS files are the service's
 * (the source takes PEM contents).
 */
export const MYSQL_CONNECTION_FIELDS = declareFields({
  host: { type: 'string', env: 'EPIPE_MYSQL_HOST', default: '127.0.0.1', doc: 'MariaDB/MySQL host' },
  port: { type: 'int', env: 'EPIPE_MYSQL_PORT', default: 3306, min: 1, doc: 'MariaDB/MySQL port' },
  user: { type: 'string', env: 'EPIPE_MYSQL_USER', default: 'epipe', doc: 'Replication user' },
  password: {
    type: 'string',
    env: 'EPIPE_MYSQL_PASSWORD',
    default: '',
    secret: true,
    doc: 'Password of the replication user',
  },
  database: { type: 'string', env: 'EPIPE_MYSQL_DATABASE', default: 'hopsfs', doc: 'Metadata database' },
  logTable: { type: 'string', env: 'EPIPE_LOG_TABLE', default: 'fs_log', doc: 'Logging table' },
  serverId: {
    type: 'int',
    env: 'EPIPE_SERVER_ID',
    default: 0,
    min: 0,
    doc: 'Replica server id for the binlog dump (0 draws a random one per process)',
  },
  connectTimeoutMs: {
    type: 'int',
    env: 'EPIPE_MYSQL_CONNECT_TIMEOUT_MS',
    default: 10_000,
    min: 100,
    doc: 'Connect timeout',
  },
  queryTimeoutMs: {
    type: 'int',
    env: 'EPIPE_MYSQL_QUERY_TIMEOUT_MS',
    default: 30_000,
    min: 100,
    doc: 'Every query of the pool (lookups, acknowledgement deletes) fails after this long instead of hanging on a dead connection',
  },
});

/** How much the source reads and holds: the `source` section of the configuration. */
export const SOURCE_FIELDS = declareFields({
  scanPageRows: {
    type: 'int',
    env: 'EPIPE_SCAN_PAGE_ROWS',
    default: 5_000,
    min: 1,
    doc: 'Recovery scan page',
  },
  chunkMaxRows: {
    type: 'int',
    env: 'EPIPE_CHUNK_MAX_ROWS',
    default: 5_000,
    min: 1,
    doc: 'Rows per chunk of a big transaction',
  },
  chunkMaxBytes: {
    type: 'int',
    env: 'EPIPE_CHUNK_MAX_BYTES',
    default: 1 * MiB,
    min: 1024,
    doc: 'Bytes per chunk',
  },
  queueMaxBytes: {
    type: 'int',
    env: 'EPIPE_SOURCE_QUEUE_BYTES',
    default: 16 * MiB,
    min: 1024,
    doc: 'Source buffer before the binlog socket pauses',
  },
  heartbeatMs: {
    type: 'int',
    env: 'EPIPE_HEARTBEAT_MS',
    default: 10_000,
    min: 100,
    doc: 'Silent-disconnect detection interval',
  },
});

/** How the source reaches the server and how much it may hold. Validated by the service's schema. */
export interface SourceConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The log table, e.g. 'fs_log'. */
  logTable: string;
  /** Replica id of the binlog dump; must differ from the server's and every other replica's. */
  serverId: number;
  /** Rows per page of the recovery scan. */
  scanPageRows: number;
  /** A transaction bigger than either bound is delivered in several chunks. */
  chunkMaxRows: number;
  chunkMaxBytes: number;
  /** Bytes of decoded chunks buffered ahead of the consumer; above it the binlog socket pauses. */
  queueMaxBytes: number;
  /**
   * Liveness: the server is asked for a heartbeat every heartbeatMs / 2 while the binlog is idle,
   * so an unpaused stream that stays silent for heartbeatMs is dead, however quiet its socket is.
   */
  heartbeatMs: number;
  connectTimeoutMs: number;
  /**
   * TLS for every connection (the binlog dump, zongji's control connection, checks and scans):
   * PEM contents, not paths. The server's certificate is always checked against `ca` (or the
   * system CAs); `verifyIdentity` also checks that it names `host`.
   */
  tls?: MysqlTls;
  /** Upper bound for each check/scan query, so a dead connection cannot hang recovery. */
  queryTimeoutMs: number;
}

const CONNECTION_DEFAULTS = defaultsOf(MYSQL_CONNECTION_FIELDS);

/** The declared defaults of everything but where the server is and who connects. */
export const DEFAULT_SOURCE_CONFIG = {
  logTable: CONNECTION_DEFAULTS.logTable,
  connectTimeoutMs: CONNECTION_DEFAULTS.connectTimeoutMs,
  queryTimeoutMs: CONNECTION_DEFAULTS.queryTimeoutMs,
  ...defaultsOf(SOURCE_FIELDS),
} satisfies Partial<SourceConfig>;

export interface MysqlTls {
  ca?: string;
  /** A client certificate and its key, for accounts that REQUIRE X509. */
  cert?: string;
  key?: string;
  verifyIdentity: boolean;
}
