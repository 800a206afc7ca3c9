import type { Batch, Logger } from '@epipe/core';
import type { BatchEnricher } from '@epipe/enrich';
import type { ChunkLike } from '@epipe/epoch';
import type { LogAcknowledger } from './ack';
import type { SearchableProbeOptions } from './searchable-probe';
import type { EventPublisher, ProvenanceIndexWriter, ProvenancePublisher, SearchIndexer } from './ports';

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
  /** Whether the source is not read, and why (e.g. 'inflight_budget': the byte budget is spent). */
  setSourcePaused(reason: string, paused: boolean): void;
  /** Calls in flight per system (retries included). */
  sinkInflight: { inc(labels: { sink: Sink }): void; dec(labels: { sink: Sink }): void };
  /** Rows of each closed epoch, and seconds between two epochs' closes. */
  epochRows: { observe(value: number): void };
  epochDuration: { observe(value: number): void };
  /** Per row, seconds from its writer's commit to its epoch going to the pipeline. */
  epochWait: { observe(value: number): void };
  /** Seconds to enrich one batch. */
  enrichLatency: { startTimer(): () => unknown };
  /** Sampled documents: seconds from the commit, and from the search sink's ack, to being searchable. */
  searchableLag: { observe(value: number): void };
  searchRefreshWait: { observe(value: number): void };
  sinkErrors: { inc(labels: { sink: Sink }): void };
  sinkLatency: { startTimer(labels: { sink: Sink }): () => unknown };
  eventsDelivered: { inc(labels: { sink: Sink }, value: number): void };
  deadLetters: { inc(labels: { stage: string }): void };
  rowsAcked: { inc(value: number): void };
  /** Rows left out by the filter, by the rule that decided. */
  filtered: { inc(labels: { rule: string }, value: number): void };
  /** Writer commit to acknowledgement by every sink, in seconds. */
  lag: { observe(value: number): void };
  /** Writer commit time of the newest acknowledged row, in seconds since the Unix epoch. */
  lastAckedCommit: { set(value: number): void };
  /** Coalescing windows open now. */
  provenanceWindowsOpen: { set(value: number): void };
  /** Provenance events published (Kafka and the provenance index acknowledged them), by op. */
  provenanceEvents: { inc(labels: { op: string }, value: number): void };
  /** Subtrees read again from the database because they may have crossed the filters' boundary. */
  resyncs: { inc(): void };
  /** Their descendants' documents, by what the index did (written, kept, deleted, rejected). */
  resyncDocuments: { inc(labels: { outcome: string }, value: number): void };
  /** Rows delivered to every sink whose deletion waits for an open provenance window. */
  rowsDeferred: { set(value: number): void };
}

/** The stages one lifetime runs, and where it reports. */
export interface PipelineDeps {
  source: { read(signal: AbortSignal): AsyncIterable<ChunkLike> };
  enricher: BatchEnricher;
  kafka: EventPublisher | null;
  elastic: SearchIndexer | null;
  acker: LogAcknowledger;
  /** The coalesce stage's sinks (with config.provenance); either may be null. */
  provenanceKafka?: ProvenancePublisher | null;
  provenanceIndex?: ProvenanceIndexWriter | null;
  logger: Logger;
  metrics: PipelineMetrics;
  /** Told false while a call is being retried, true when calls succeed again; `failing` names them. */
  onReady?: (ready: boolean, failing: string[]) => void;
  /**
   * Told when a batch's rows are acknowledged (with the batch) or a failing call is retried
   * (without): the liveness check's evidence, and what /status reports as acknowledged.
   */
  onProgress?: (acknowledged?: Batch) => void;
  /** Told of each batch as it leaves the source (its binlog position is the one being read). */
  onRead?: (batch: Batch) => void;
  /**
   * Aborted when this instance may no longer write (its leader lock is gone): the lifetime fails
   * at once, abandoning in-flight calls, instead of draining as a clean stop would.
   */
  fence?: AbortSignal;
  /** How the searchable-lag probe samples (tests make it quicker); defaults otherwise. */
  searchableProbe?: SearchableProbeOptions;
  /**
   * The first epoch id; every later one counts up from it. The caller takes it from a clock
   * every instance shares (the database's), so a failover to a host whose clock is behind
   * still continues above what the previous leader published (P1).
   */
  firstEpoch?: number;
}
