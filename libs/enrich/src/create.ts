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

/**
 * The enrich stage from its parts: the enricher proper, which reports through its result and
 * metrics, and a debug line per batch, which is what an operator following one epoch needs.
 */
export function createEnricher(config: EnrichConfig, deps: EnrichDeps): BatchEnricher {
  const { logger } = deps;
  const enricher = new Enricher(config, deps.reader, deps.filter, deps.metrics);
  return {
    async enrich(batch) {
      const result = await enricher.enrich(batch);
      logger.debug(
        {
          epoch: batch.epoch,
          part: batch.part,
          rows: batch.rows.length,
          events: result.events.length,
          filtered: result.filtered,
          docs: result.docs.length,
          dead: result.dead.length,
          resyncs: result.resyncs?.length ?? 0,
        },
        'batch enriched',
      );
      return result;
    },
    subtree: (view) => enricher.subtree(view),
  };
}

/** Reads the metadata database through `pool`; `logTable` holds rows not yet acknowledged. */
export function createSqlMetadataReader(config: { logTable: string }, deps: { pool: Pool }): MetadataReader {
  return new SqlMetadataReader(deps.pool, config.logTable);
}
