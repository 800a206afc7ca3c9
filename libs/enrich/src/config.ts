import { declareFields, defaultsOf } from '@epipe/core';
import type { EnrichConfig } from './enricher';

// The type is declared beside the enricher; this module is where the stage's configuration is
// read from.
export type { EnrichConfig };

/** The `enrich` section of the configuration. */
export const ENRICH_FIELDS = declareFields({
  cacheMaxBytes: {
    type: 'int',
    env: 'EPIPE_CACHE_BYTES',
    default: 32 * 1024 * 1024,
    min: 64 * 1024,
    doc: 'Estimated bytes all enrichment caches (tree edges, tags, names, execution contexts) may hold together; a miss costs one batched query',
  },
  orphanWaitMs: {
    type: 'int',
    env: 'EPIPE_ORPHAN_WAIT_MS',
    default: 2_000,
    min: 0,
    doc: 'How long an inode missing from the database (its commit not yet visible, or gone without a DELETE) is read again before its row is dead-lettered',
  },
  maxXattrBytes: {
    type: 'int',
    env: 'EPIPE_MAX_XATTR_BYTES',
    default: 13_500,
    min: 1,
    doc: "Larger xattr values are dead-lettered and left out of search documents (HopsFS' limit)",
  },
});

export const DEFAULT_ENRICH_CONFIG = defaultsOf(ENRICH_FIELDS) satisfies Partial<EnrichConfig>;
