export { createLogSource, type LogSource } from './source';
export type { TransactionChunk, ChunkOrigin } from './chunk';
export { DEFAULT_SOURCE_CONFIG, type MysqlTls, type SourceConfig } from './config';
export { connectionError as mariadbConnectionError, mysqlSslOptions } from './db';
export {
  checkServer,
  evaluateServer,
  readServerFacts,
  type QueryRunner,
  type ServerFacts,
  type ServerVerdict,
} from './server-check';
