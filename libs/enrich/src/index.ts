export { createEnricher, createSqlMetadataReader, type BatchEnricher } from './create';
export type { EnrichDeps, EnrichMetrics } from './deps';
export { DEFAULT_ENRICH_CONFIG, ENRICH_FIELDS, type EnrichConfig } from './config';
export type { DocView, EnrichResult, EventAncestors, EventFilter, MoveView } from './enricher';
export type { Edge, MetadataReader } from './reader';
