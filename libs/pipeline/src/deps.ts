import type { Logger } from '@epipe/core';
import type { BatchEnricher } from '@epipe/enrich';
import type { ChunkLike } from '@epipe/epoch';
import type { LogAcknowledger } from './ack';
import type { EventPublisher, SearchIndexer } from './ports';

/** 'mysql' (lookups and the DELETE), 'kafka' or 'elasticsearch'. */
type Sink = string;

/**
 * What the pipeline reports. The service's central metrics fit this shape as they are; a test can
 * pass a hand-written fake. Names of the exported series live in one place, not here.
 */
export interface PipelineMetrics {
  epochs: { inc(value: number): void };
  currentEpoch: { set(value: number): void };
  inflightBatches: { set(value: number): void };
  inflightBytes: { set(value: number): void };
  /** 1 while the source is not read because the byte budget is spent. */
  sourcePaused: { set(value: number): void };
  sinkErrors: { inc(labels: { sink: Sink }): void };
  sinkLatency: { startTimer(labels: { sink: Sink }): () => unknown };
  eventsDelivered: { inc(labels: { sink: Sink }, value: number): void };
  deadLetters: { inc(labels: { stage: string }): void };
  rowsAcked: { inc(value: number): void };
  filtered: { inc(value: number): void };
  /** Writer commit to acknowledgement by every sink. */
  lagMs: { observe(value: number): void };
  lastAckedCommitMs: { set(value: number): void };
}

/** The stages one lifetime runs, and where it reports. */
export interface PipelineDeps {
  source: { read(signal: AbortSignal): AsyncIterable<ChunkLike> };
  enricher: BatchEnricher;
  kafka: EventPublisher | null;
  elastic: SearchIndexer | null;
  acker: LogAcknowledger;
  logger: Logger;
  metrics: PipelineMetrics;
  /** Told false while a call is being retried, true when calls succeed again. */
  onReady?: (ready: boolean) => void;
}
