export { createEnricher, createSqlMetadataReader, type BatchEnricher } from './create';
export type { EnrichDeps, EnrichMetrics } from './deps';
export { DEFAULT_ENRICH_CONFIG, ENRICH_FIELDS, type EnrichConfig } from './config';
export type { EventFilter } from './event-filter';
export type { DocView, EnrichResult, EventAncestors, MoveView } from './result';
export type { Edge, LoggedChange, MetadataReader } from './reader';
export {
  readSubtree,
  SUBTREE_PAGE_SIZE,
  type CoverageFilter,
  type ResyncView,
  type SubtreeDoc,
  type SubtreePage,
} from './subtree';
