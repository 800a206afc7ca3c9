import type { EnrichConfig } from './enricher';

// The type is declared beside the enricher; this module is where the stage's configuration is
// read from.
export type { EnrichConfig };

export const DEFAULT_ENRICH_CONFIG = {
  cacheMaxBytes: 32 * 1024 * 1024,
  orphanWaitMs: 2_000,
  maxXattrBytes: 13_500,
} satisfies Partial<EnrichConfig>;
