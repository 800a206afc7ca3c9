export type { FileHit, ProvenanceReader } from './ports';
export { parseSelector, QueryInputError, resolveArtifact, type ArtifactSelector } from './resolve';
export { lineage, type LineageNode, type LineageQuery, type LineageResult, type Producer } from './lineage';
export { activity, searchFiles, type ActivityQuery, type ActivityResult, type SearchQuery } from './search';
