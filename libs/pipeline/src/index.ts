export { runPipeline, type PipelineDeps } from './pipeline';
export type { EventPublisher, SearchIndexer } from './ports';
export { SqlLogAcknowledger, type LogAcknowledger } from './ack';
