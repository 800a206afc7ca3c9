export {
  EpipeError,
  OPERATOR_ERRORS,
  assert,
  errorMessage,
  isRetriable,
  needsOperator,
  type ErrorCode,
} from './errors';
export { backoffDelay, retry, sleep, type RetryOptions } from './retry';
export { OPERATION_NAMES, Operation, type OperationCode, type OperationName } from './operation';
export { BinlogPosition } from './position';
export { LOG_COLUMNS, estimateRowBytes, parseLogRow, rawLogId, type LogRow, type RawLogRow } from './logrow';
export type { Batch, PoisonRow } from './batch';
export {
  appOnlyContext,
  EventId,
  FILE_EVENT_SCHEMA,
  FILE_EVENT_SCHEMA_VERSION,
  type DeadLetter,
  type ExecutionContext,
  type FileEvent,
  type InodeState,
  type NamedRef,
} from './event';
export { ByteBudget } from './budget';
export { createMetrics, enableProcessMetrics, type Metrics } from './metrics';
export { createLogger, silentLogger, type Logger } from './logger';
export { tlsFailureReason } from './tls';
export { SECRET_MASK, secretScrubber, type Scrubber } from './secrets';
export {
  ARTIFACT_KINDS,
  ARTIFACT_OPS,
  PROVENANCE_EVENT_SCHEMA,
  PROVENANCE_EVENT_SCHEMA_VERSION,
  isArtifactWrite,
  lineageEdgeId,
  provenanceEventId,
  type ArtifactKind,
  type ArtifactOp,
  type ArtifactRef,
  type ArtifactState,
  type LineageEdge,
  type LineageEnd,
  provenanceActor,
  type ProvenanceActor,
  type ProvenanceEvent,
  type ProvenanceOperationRecord,
  type ArtifactName,
  type InodeQuery,
  type OperationQuery,
  type ProvenanceReader,
} from './provenance';
export { prng } from './prng';
export {
  declareFields,
  defaultsOf,
  parseField,
  pickFields,
  type FieldDecl,
  type FieldDecls,
  type FieldType,
  type FieldValue,
  type FieldValues,
} from './fields';
