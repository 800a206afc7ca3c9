import type { EnrichConfig } from './enricher';

// The type is declared beside the enricher while its caches are being reworked; this module is
// where the stage's configuration is read from.
export type { EnrichConfig };

export const DEFAULT_ENRICH_CONFIG = {
  pathCacheSize: 1_000_000,
  nameCacheSize: 100_000,
  contextCacheSize: 100_000,
  maxXattrBytes: 13_500,
} satisfies Partial<EnrichConfig>;
