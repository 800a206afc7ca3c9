export { createLogSource, type LogSource } from './source';
export type { TransactionChunk, ChunkOrigin } from './chunk';
export { DEFAULT_SOURCE_CONFIG, type SourceConfig } from './config';
export {
  checkServer,
  evaluateServer,
  readServerFacts,
  type QueryRunner,
  type ServerFacts,
  type ServerVerdict,
} from './server-check';
