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
  /** Index refresh interval, e.g. '1s'. */
  refreshInterval: string;
  replicas: number;
}

export const DEFAULT_ELASTIC_SINK_CONFIG = {
  index: 'epipe-inodes',
  requestTimeoutMs: 30_000,
  maxRetries: 5,
  bulkMaxBytes: 5 * 1024 * 1024,
  bulkMaxDocs: 5_000,
  concurrency: 2,
  refreshInterval: '1s',
  replicas: 0,
} satisfies Partial<ElasticSinkConfig>;
