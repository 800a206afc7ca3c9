import { declareFields, defaultsOf } from '@epipe/core';

export interface ElasticSinkConfig {
  /** One node URL, or several: the client spreads requests over them and skips dead ones. */
  url: string | string[];
  /** The inode index; its template is named `<index>-template`. */
  index: string;
  /** Empty strings count as unset, so a config file can leave them blank. */
  apiKey?: string;
  username?: string;
  password?: string;
  /** SHA-256 fingerprint of the CA that signed the server's certificate. */
  caFingerprint?: string;
  /** PEM contents of the CA(s) to trust for https nodes; certificates are always verified. */
  tls?: { ca?: string };
  requestTimeoutMs: number;
  /** Retries of a failed request, and of failed bulk items, with backoff. */
  maxRetries: number;
  bulkMaxBytes: number;
  bulkMaxDocs: number;
  /** Bulk requests in flight at once within one apply(). */
  concurrency: number;
  /** Index refresh interval, e.g. '300ms' (see parseRefreshInterval). */
  refreshInterval: string;
  replicas: number;
}

const REFRESH_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const REFRESH_MIN_MS = 100;
const REFRESH_EXPECTED = `a refresh interval of at least ${REFRESH_MIN_MS}ms such as 250ms, 1s or 2m (a whole number and ms, s, m or h)`;

/**
 * A refresh interval in milliseconds, or undefined when epipe refuses it. Elasticsearch takes
 * more, but an index the sink writes must become searchable by itself: `-1` (never refresh)
 * would leave new documents unsearchable until someone else refreshes, and `0` or a few
 * milliseconds would refresh faster than bulks arrive, costing CPU for nothing. Fractions and
 * units Elasticsearch spells differently (micros, nanos, d) are refused rather than guessed at.
 */
export function parseRefreshInterval(value: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h)$/.exec(value);
  if (!m) return undefined;
  const ms = Number(m[1]) * REFRESH_UNITS_MS[m[2]!]!;
  return Number.isSafeInteger(ms) && ms >= REFRESH_MIN_MS ? ms : undefined;
}

/**
 * Where Elasticsearch is and how to authenticate: the part of the `elastic` section every
 * Elasticsearch client of epipe reads (the sink, the provenance index, reindex, the CLI). A CA
 * file, and whether the sink is on, are the service's.
 */
export const ELASTIC_ACCESS_FIELDS = declareFields({
  url: {
    type: 'list',
    env: 'EPIPE_ES_URL',
    default: ['http://127.0.0.1:9200'],
    doc: 'Elasticsearch node URL(s), comma-separated; requests are spread over them',
  },
  index: { type: 'string', env: 'EPIPE_ES_INDEX', default: 'epipe-inodes', doc: 'Inode index' },
  apiKey: {
    type: 'string',
    env: 'EPIPE_ES_API_KEY',
    default: '',
    secret: true,
    doc: 'API key (empty: none)',
  },
  username: { type: 'string', env: 'EPIPE_ES_USERNAME', default: '', doc: 'Basic auth user' },
  password: {
    type: 'string',
    env: 'EPIPE_ES_PASSWORD',
    default: '',
    secret: true,
    doc: 'Basic auth password',
  },
  caFingerprint: {
    type: 'string',
    env: 'EPIPE_ES_CA_FINGERPRINT',
    default: '',
    doc: 'CA certificate fingerprint for TLS',
  },
});

/** How the sink writes: the rest of the `elastic` section. */
export const ELASTIC_SINK_FIELDS = declareFields({
  requestTimeoutMs: {
    type: 'int',
    env: 'EPIPE_ES_REQUEST_TIMEOUT_MS',
    default: 30_000,
    min: 100,
    doc: 'Request timeout',
  },
  maxRetries: { type: 'int', env: 'EPIPE_ES_MAX_RETRIES', default: 5, min: 0, doc: 'Retries per bulk' },
  bulkMaxBytes: {
    type: 'int',
    env: 'EPIPE_ES_BULK_BYTES',
    default: 5 * 1024 * 1024,
    min: 1024,
    doc: 'Largest bulk request',
  },
  bulkMaxDocs: {
    type: 'int',
    env: 'EPIPE_ES_BULK_DOCS',
    default: 5_000,
    min: 1,
    doc: 'Most documents per bulk',
  },
  concurrency: {
    type: 'int',
    env: 'EPIPE_ES_CONCURRENCY',
    default: 2,
    min: 1,
    doc: 'Bulk requests in flight',
  },
  // The searchable-lag target (end to end p50 < 330 ms at 200/s) leaves about 250 ms for the
  // refresh wait: 300 ms gives write → searchable p50 187 ms at 200 docs/s for ~36 ms of refresh
  // work per second on a quiet node (500 ms: 287 ms for ~23 ms/s); under load refreshes cost 2-3×
  // that, and below 250 ms they fall behind (measured: README, "Refresh interval").
  refreshInterval: {
    type: 'string',
    env: 'EPIPE_ES_REFRESH',
    default: '300ms',
    check: (value: string) => (parseRefreshInterval(value) === undefined ? REFRESH_EXPECTED : undefined),
    doc: 'How often the inode index (and provenance indices created from now on) make new writes searchable, e.g. 250ms, 1s, 2m (at least 100ms): shorter is fresher search for more Elasticsearch CPU; applied to the inode index at start',
  },
  replicas: { type: 'int', env: 'EPIPE_ES_REPLICAS', default: 0, min: 0, doc: 'Index replicas' },
});

export const DEFAULT_ELASTIC_SINK_CONFIG = {
  index: ELASTIC_ACCESS_FIELDS.index.default,
  ...defaultsOf(ELASTIC_SINK_FIELDS),
} satisfies Partial<ElasticSinkConfig>;
