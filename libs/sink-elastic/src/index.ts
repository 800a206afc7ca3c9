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
