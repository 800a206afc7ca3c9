export type { ElasticSinkConfig } from './config';
export {
  createElasticSink,
  clientOptions,
  type ApplyResult,
  type ElasticSink,
  type ElasticSinkDeps,
} from './elastic-sink';
export type { DeleteChange, InodeChange, MoveChange, UpsertChange, WriteChange } from './changes';
export {
  ancestorPaths,
  buildInodeSource,
  inodeDocId,
  moveSource,
  projectAndDataset,
  type InodeDoc,
  type MoveSpec,
} from './doc';
export { INODE_FIELDS, XATTR_PAIR_VALUE_MAX_CHARS, type InodeField, type InodeSource } from './fields';
export { buildIndexTemplate, indexTemplateName, INODE_MAPPINGS, type TemplateOptions } from './template';
export {
  createProvenanceIndex,
  type ArtifactTouchRow,
  type InodeQuery,
  type OperationQuery,
  type ProvenanceIndex,
  type ProvenanceIndexConfig,
  type ProvenanceIndexDeps,
  type WriteOutcome,
} from './provenance-index';
export {
  ARTIFACT_MAPPINGS,
  EDGE_MAPPINGS,
  OPERATION_MAPPINGS,
  provenanceIndexNames,
  type ArtifactSource,
  type EdgeSource,
  type OperationSource,
  type ProvenanceIndexNames,
} from './provenance-docs';
