import { declareFields, defaultsOf } from '@epipe/core';

export interface EnrichConfig {
  /** Names the event ids' source (e.g. the metadata database). */
  sourceName: string;
  /**
   * What every cache of the enricher may hold together, in estimated bytes: half for the tree's
   * edges, a fifth for tags, the rest for execution contexts and names (see CACHE_SHARES).
   */
  cacheMaxBytes: number;
  /** Xattr values above this are refused: the row is dead-lettered, the document omits them. */
  maxXattrBytes: number;
  /**
   * How long states that lag behind their rows are read again before the inode is called an
   * orphan (see readCurrentStates): a commit can become visible this long after its binlog event.
   */
  orphanWaitMs: number;
}

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
