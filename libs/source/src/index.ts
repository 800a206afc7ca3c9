export { createLogSource, type LogSource } from './source';
export type { SourceDeps, SourceMetrics } from './deps';
export type { TransactionChunk } from './chunk';
export {
  DEFAULT_SOURCE_CONFIG,
  MYSQL_CONNECTION_FIELDS,
  SOURCE_FIELDS,
  type MysqlTls,
  type SourceConfig,
} from './config';
export { connectionError as mariadbConnectionError, mysqlSslOptions } from './db';
// The tail path alone (no recovery scan, no restarts), for the benchmark's decode-throughput run.
export { BinlogTail, type TailHandlers } from './binlog-tail';
export { ChunkQueue } from './queue';
