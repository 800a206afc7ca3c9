import type { Logger } from '@epipe/core';
import type { EventFilter } from './enricher';
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
}

export interface EnrichDeps {
  /** Batched reads of the metadata database (createSqlMetadataReader, or a fake). */
  reader: MetadataReader;
  /** Decides what is published; everything when absent. */
  filter?: EventFilter;
  logger: Logger;
  metrics: EnrichMetrics;
}
