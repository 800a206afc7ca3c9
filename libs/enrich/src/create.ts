import type { Batch } from '@epipe/core';
import type { Pool } from 'mysql2/promise';
import type { EnrichConfig } from './config';
import type { EnrichDeps } from './deps';
import { Enricher } from './enricher';
import type { EnrichResult } from './result';
import type { MetadataReader } from './reader';
import { SqlMetadataReader } from './sql-reader';
import type { ResyncView, SubtreePage } from './subtree';

/** The enrich stage as the pipeline sees it. */
export interface BatchEnricher {
  enrich(batch: Batch): Promise<EnrichResult>;
  /** A directory's descendants that crossed the filters' boundary (EnrichResult.resyncs), page by page. */
  subtree?(view: ResyncView): AsyncIterable<SubtreePage>;
}

export function createEnricher(config: EnrichConfig, deps: EnrichDeps): BatchEnricher {
  return new Enricher(config, deps.reader, deps.filter, deps.metrics);
}

/** Reads the metadata database through `pool`; `logTable` holds rows not yet acknowledged. */
export function createSqlMetadataReader(config: { logTable: string }, deps: { pool: Pool }): MetadataReader {
  return new SqlMetadataReader(deps.pool, config.logTable);
}
