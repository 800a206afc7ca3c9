export { runPipeline } from './pipeline';
export type { PipelineDeps, PipelineMetrics } from './deps';
export {
  DEFAULT_PIPELINE_CONFIG,
  DEFAULT_PROVENANCE_CONFIG,
  PIPELINE_FIELDS,
  PROVENANCE_WINDOW_FIELDS,
  type AckConfig,
  type PipelineConfig,
  type ProvenanceConfig,
} from './config';
export type {
  EventPublisher,
  ProvenanceIndexWriter,
  ProvenancePublisher,
  ProvenanceWriteOutcome,
  SearchIndexer,
} from './ports';
export { createLogAcknowledger, type LogAcknowledger } from './ack';
export {
  DEFAULT_SEARCHABLE_PROBE_OPTIONS,
  SearchableProbe,
  type SearchableProbeOptions,
  type SearchVisibility,
} from './searchable-probe';
