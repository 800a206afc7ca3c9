import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric epipe exports, in one place. Stages receive this object (or a fake with the same
 * shape in tests) instead of touching prom-client themselves.
 */
export function createMetrics(registry = new Registry()) {
  const prefix = 'epipe_';
  let oldestCommitMs: number | null = null;
  const m = {
    registry,
    rowsRead: new Counter({
      name: `${prefix}source_rows_total`,
      help: 'fs_log rows read, by origin (binlog or scan)',
      labelNames: ['origin'] as const,
      registers: [registry],
    }),
    transactions: new Counter({
      name: `${prefix}source_transactions_total`,
      help: 'Committed source transactions that carried fs_log rows',
      registers: [registry],
    }),
    sourceConnected: new Gauge({
      name: `${prefix}source_connected`,
      help: '1 while the binlog stream is connected',
      registers: [registry],
    }),
    sourcePaused: new Gauge({
      name: `${prefix}source_paused`,
      help: '1 while the source waits for in-flight bytes to drain (backpressure)',
      registers: [registry],
    }),
    epochs: new Counter({ name: `${prefix}epochs_total`, help: 'Epochs closed', registers: [registry] }),
    currentEpoch: new Gauge({
      name: `${prefix}epoch_current`,
      help: 'Id of the last closed epoch',
      registers: [registry],
    }),
    inflightBytes: new Gauge({
      name: `${prefix}inflight_bytes`,
      help: 'Bytes held by batches between the source and the ack stage',
      registers: [registry],
    }),
    inflightBatches: new Gauge({
      name: `${prefix}inflight_batches`,
      help: 'Batches in flight',
      registers: [registry],
    }),
    eventsDelivered: new Counter({
      name: `${prefix}sink_events_total`,
      help: 'Events acknowledged by a sink',
      labelNames: ['sink'] as const,
      registers: [registry],
    }),
    sinkErrors: new Counter({
      name: `${prefix}sink_errors_total`,
      help: 'Failed sink calls (retried)',
      labelNames: ['sink'] as const,
      registers: [registry],
    }),
    sinkLatency: new Histogram({
      name: `${prefix}sink_batch_seconds`,
      help: 'Time to deliver one batch to a sink',
      labelNames: ['sink'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    filtered: new Counter({
      name: `${prefix}filtered_total`,
      help: 'Rows dropped by filter rules',
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: `${prefix}dead_letters_total`,
      help: 'Rows sent to the dead-letter topic, by stage',
      labelNames: ['stage'] as const,
      registers: [registry],
    }),
    rowsAcked: new Counter({
      name: `${prefix}ack_rows_deleted_total`,
      help: 'fs_log rows deleted after every sink acknowledged them',
      registers: [registry],
    }),
    lagMs: new Histogram({
      name: `${prefix}lag_milliseconds`,
      help: 'Writer commit to acknowledgement by every sink',
      buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000],
      registers: [registry],
    }),
    lastAckedCommitMs: new Gauge({
      name: `${prefix}last_acked_commit_timestamp_ms`,
      help: 'Writer commit time of the newest acknowledged row',
      registers: [registry],
    }),
    restarts: new Counter({
      name: `${prefix}restarts_total`,
      help: 'Pipeline restarts, by error code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    ready: new Gauge({ name: `${prefix}ready`, help: '1 while epipe can deliver', registers: [registry] }),
    leader: new Gauge({
      name: `${prefix}leader`,
      help: '1 while this instance holds the leader lock (the active one); 0 on a standby',
      registers: [registry],
    }),
    logRowsPending: new Gauge({
      name: `${prefix}log_rows_pending`,
      help: 'Rows in the log table (not yet acknowledged by every sink), counted by the leader',
      registers: [registry],
    }),
    logOldestRowAge: new Gauge({
      name: `${prefix}log_oldest_row_age_seconds`,
      help: 'Age of the oldest row in the log table (writer commit to now); 0 when it is empty',
      registers: [registry],
      collect() {
        this.set(oldestCommitMs === null ? 0 : Math.max(0, (Date.now() - oldestCommitMs) / 1000));
      },
    }),
    cacheHits: new Counter({
      name: `${prefix}enrich_cache_hits_total`,
      help: 'Enrichment cache hits, by cache',
      labelNames: ['cache'] as const,
      registers: [registry],
    }),
    cacheMisses: new Counter({
      name: `${prefix}enrich_cache_misses_total`,
      help: 'Enrichment cache misses, by cache',
      labelNames: ['cache'] as const,
      registers: [registry],
    }),
    /** The oldest log row's commit time; the age gauge is computed from it at each scrape. */
    setOldestLogRow(commitMs: number | null): void {
      oldestCommitMs = commitMs;
    },
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function enableProcessMetrics(metrics: Metrics): void {
  collectDefaultMetrics({ register: metrics.registry, prefix: 'epipe_process_' });
}
