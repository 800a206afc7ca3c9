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

export const DEFAULT_ENRICH_CONFIG = {
  cacheMaxBytes: 32 * 1024 * 1024,
  orphanWaitMs: 2_000,
  maxXattrBytes: 13_500,
} satisfies Partial<EnrichConfig>;
