export {
  DEFAULT_ELASTIC_SINK_CONFIG,
  ELASTIC_ACCESS_FIELDS,
  ELASTIC_SINK_FIELDS,
  parseRefreshInterval,
  type ElasticSinkConfig,
} from './config';
export { createElasticSink, type ApplyResult, type ElasticSink, type ElasticSinkDeps } from './elastic-sink';
export {
  deadLetterIndexName,
  readDeadLetterIndex,
  type DeadLetterIndexReaderConfig,
  type IndexedDeadLetter,
} from './dead-letters';
export type { SubtreeOutcome, SubtreePage } from './resync';
export type { DeleteChange, InodeChange, MoveChange, UpsertChange, WriteChange } from './changes';
// The document a search sees, for tools that write it without the sink (the benchmark's ceilings),
// and built from an inode's state by the pipeline's resync and the reindex.
export { buildInodeSource, inodeDoc, type DocOrigin, type InodeDoc } from './doc';
export {
  createProvenanceIndex,
  type ProvenanceIndex,
  type ProvenanceIndexConfig,
  type ProvenanceIndexDeps,
  type WriteOutcome,
} from './provenance-index';
export { createIndexRebuilder, type IndexRebuilder } from './reindex';
