import type { Logger } from '@epipe/core';
import type { EventFilter } from './event-filter';
import type { MetadataReader } from './reader';

/**
 * What enrichment reports. The service's central metrics fit this shape as they are; a test can
 * pass a hand-written fake. Names of the exported series live in one place, not here.
 */
export interface EnrichMetrics {
  cacheHits: { inc(labels: { cache: string }, value: number): void };
  cacheMisses: { inc(labels: { cache: string }, value: number): void };
  /** Estimated bytes all caches hold together. */
  cacheBytes: { set(value: number): void };
  /** Lookups that found nothing (path, project, dataset, user, app), which leave a field empty. */
  unresolved: { inc(labels: { field: string }, value: number): void };
}

export interface EnrichDeps {
  /** Batched reads of the metadata database (createSqlMetadataReader, or a fake). */
  reader: MetadataReader;
  /** Decides what is published; everything when absent. */
  filter?: EventFilter;
  /** A debug line per batch; what cannot be delivered is reported through `dead` and metrics. */
  logger: Logger;
  metrics: EnrichMetrics;
}
