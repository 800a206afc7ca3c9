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

export const DEFAULT_SOURCE_CONFIG = {
  logTable: 'fs_log',
  scanPageRows: 5_000,
  chunkMaxRows: 10_000,
  chunkMaxBytes: 8 * 1024 * 1024,
  queueMaxBytes: 32 * 1024 * 1024,
  heartbeatMs: 10_000,
  connectTimeoutMs: 10_000,
  queryTimeoutMs: 60_000,
} satisfies Partial<SourceConfig>;

export interface MysqlTls {
  ca?: string;
  /** A client certificate and its key, for accounts that REQUIRE X509. */
  cert?: string;
  key?: string;
  verifyIdentity: boolean;
}
