export { runPipeline } from './pipeline';
export type { PipelineDeps, PipelineMetrics } from './deps';
export { DEFAULT_PIPELINE_CONFIG, type AckConfig, type PipelineConfig } from './config';
export type { EventPublisher, SearchIndexer } from './ports';
export { createLogAcknowledger, type LogAcknowledger } from './ack';
