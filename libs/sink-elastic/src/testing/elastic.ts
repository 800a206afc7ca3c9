// Shared by the tests that run against the local cluster, this library's and its readers' (the
// build leaves src/testing out).
import { silentLogger } from '@epipe/core';
import { testEnv } from '../../../../test/support/env';
import { createProvenanceIndex, type ProvenanceIndex, type ProvenanceIndexConfig } from '../index';

/** How the tests reach the local cluster: one node, no replicas, a refresh every second. */
export function testElasticConnection(): {
  url: string;
  requestTimeoutMs: number;
  maxRetries: number;
  refreshInterval: string;
  replicas: number;
} {
  return {
    url: testEnv().elasticUrl,
    requestTimeoutMs: 30_000,
    maxRetries: 3,
    refreshInterval: '1s',
    replicas: 0,
  };
}

/** The provenance indices under `indexPrefix` (not started). */
export function testProvenanceIndex(
  indexPrefix: string,
  extra: Partial<ProvenanceIndexConfig> = {},
): ProvenanceIndex {
  return createProvenanceIndex(
    { ...testElasticConnection(), indexPrefix, ...extra },
    { logger: silentLogger() },
  );
}
