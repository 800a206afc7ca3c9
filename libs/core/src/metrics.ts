import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Why the source stopped reading: the pipeline's in-flight byte budget, or the source's buffer. */
export type PauseReason = 'inflight_budget' | 'source_queue';

const DEAD_LETTER_STAGES = ['parse', 'enrich', 'kafka', 'elasticsearch'] as const;
const SINKS = ['mysql', 'kafka', 'elasticsearch'] as const;
const RESYNC_OUTCOMES = ['written', 'kept', 'deleted', 'rejected'] as const;
/** Seconds from a writer's commit: the end-to-end lag and the parts of it measured from the commit. */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Every metric epipe exports, in one place. Stages receive this object (or a fake with the same
 * shape in tests) instead of touching prom-client themselves. Prometheus conventions: base units
 * in the name (`_seconds`, `_bytes`), counters end in `_total`, one `epipe_` prefix (the process
 * and Node.js metrics too). deploy/grafana and deploy/prometheus name only these; an integration
 * test scrapes a daemon and checks that every name they use exists.
 */
export function createMetrics(registry = new Registry()) {
  const prefix = 'epipe_';
  let oldestCommitMs: number | null = null;
  const pausedSince = new Map<PauseReason, number>();
  /** A histogram of seconds; by default the buckets of lags measured from the writer's commit. */
  const seconds = (name: string, help: string, buckets = LAG_BUCKETS) =>
    new Histogram({ name, help, buckets, registers: [registry] });
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
    sourcePausedSeconds: new Counter({
      name: `${prefix}source_paused_seconds_total`,
      help: 'Time the source spent paused by backpressure, by reason (inflight_budget, source_queue)',
      labelNames: ['reason'] as const,
      registers: [registry],
      collect() {
        // A pause still going on counts up to the scrape, not only when it ends.
        const now = Date.now();
        for (const [reason, since] of pausedSince) {
          this.inc({ reason }, (now - since) / 1000);
          pausedSince.set(reason, now);
        }
      },
    }),
    epochs: new Counter({ name: `${prefix}epochs_total`, help: 'Epochs closed', registers: [registry] }),
    currentEpoch: new Gauge({
      name: `${prefix}epoch_current`,
      help: 'Id of the last closed epoch',
      registers: [registry],
    }),
    epochRows: new Histogram({
      name: `${prefix}epoch_rows`,
      help: 'Rows per epoch that carried rows (empty epochs only show progress and are not counted)',
      buckets: [1, 5, 10, 50, 100, 500, 1000, 5000, 20000, 100000],
      registers: [registry],
    }),
    epochDuration: new Histogram({
      name: `${prefix}epoch_duration_seconds`,
      help: 'Time an epoch that carried rows was open (from the previous epoch closing to it closing)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    // A row's way to search, stage by stage: epoch wait (here), enrich, the bulk (sinkLatency),
    // the refresh (sampled); each reported by the stage it times.
    epochWait: seconds(
      `${prefix}epoch_wait_seconds`,
      'Per row: writer commit to its epoch closing and going to the pipeline (a backlog shows here)',
    ),
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
    sinkInflight: new Gauge({
      name: `${prefix}sink_inflight_requests`,
      help: 'Calls to a system in flight (including those waiting to be retried), by sink: mysql, kafka, elasticsearch',
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
      name: `${prefix}filtered_rows_total`,
      help: 'Rows left out of the published events by the filter, by the rule that decided (operation, tag, untagged, include, exclude)',
      labelNames: ['rule'] as const,
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
    lag: seconds(`${prefix}lag_seconds`, 'Writer commit to acknowledgement by every sink'),
    searchableLag: seconds(
      `${prefix}searchable_lag_seconds`,
      'Sampled documents (at most about one per second): writer commit to a search finding it',
    ),
    searchRefreshWait: seconds(
      `${prefix}search_refresh_wait_seconds`,
      "Sampled documents: the search sink's acknowledgement to a search finding it (the index refresh)",
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 10, 30],
    ),
    lastAckedCommit: new Gauge({
      name: `${prefix}last_acked_commit_timestamp_seconds`,
      help: 'Writer commit time (Unix seconds) of the newest acknowledged row',
      registers: [registry],
    }),
    rowsDeferred: new Gauge({
      name: `${prefix}ack_rows_deferred`,
      help: 'fs_log rows every sink acknowledged whose deletion waits for an open provenance window',
      registers: [registry],
    }),
    provenanceWindowsOpen: new Gauge({
      name: `${prefix}provenance_windows_open`,
      help: 'Coalescing windows open (artifact, operation, app or user)',
      registers: [registry],
    }),
    provenanceEvents: new Counter({
      name: `${prefix}provenance_events_total`,
      help: 'Provenance events published to Kafka and the provenance index, by artifact operation',
      labelNames: ['op'] as const,
      registers: [registry],
    }),
    resyncs: new Counter({
      name: `${prefix}resync_total`,
      help: "Subtrees read again from the database because a move or a tag change may have taken descendants across the filters' boundary",
      registers: [registry],
    }),
    resyncDocuments: new Counter({
      name: `${prefix}resync_documents_total`,
      help: 'Documents of resynced subtrees, by outcome: written (missing or older), kept (as new already), deleted (no longer covered), rejected (dead-lettered)',
      labelNames: ['outcome'] as const,
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
    enrichLatency: seconds(
      `${prefix}enrich_batch_seconds`,
      'Time to enrich one batch (lookups and retries included)',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    cacheHits: new Counter({
      name: `${prefix}enrich_cache_hits_total`,
      help: 'Enrichment cache hits, by cache',
      labelNames: ['cache'] as const,
      registers: [registry],
    }),
    unresolved: new Counter({
      name: `${prefix}enrich_unresolved_total`,
      help: 'Enrichment lookups that found nothing, leaving a field of the event empty, by field',
      labelNames: ['field'] as const,
      registers: [registry],
    }),
    cacheBytes: new Gauge({
      name: `${prefix}enrich_cache_bytes`,
      help: 'Estimated bytes held by the enrichment caches together (bounded by enrich.cacheMaxBytes)',
      registers: [registry],
    }),
    cacheMisses: new Counter({
      name: `${prefix}enrich_cache_misses_total`,
      help: 'Enrichment cache misses, by cache',
      labelNames: ['cache'] as const,
      registers: [registry],
    }),
    buildInfo: new Gauge({
      name: `${prefix}build_info`,
      help: 'Always 1; the labels say which epipe and Node.js run',
      labelNames: ['version', 'nodejs'] as const,
      registers: [registry],
    }),
    /** Backpressure starts or ends; feeds the paused gauge and the paused-time counter. */
    setSourcePaused(reason: PauseReason, paused: boolean): void {
      const since = pausedSince.get(reason);
      if (paused && since === undefined) pausedSince.set(reason, Date.now());
      if (!paused && since !== undefined) {
        m.sourcePausedSeconds.inc({ reason }, (Date.now() - since) / 1000);
        pausedSince.delete(reason);
      }
      m.sourcePaused.set(pausedSince.size > 0 ? 1 : 0);
    },
    /** The oldest log row's commit time; the age gauge is computed from it at each scrape. */
    setOldestLogRow(commitMs: number | null): void {
      oldestCommitMs = commitMs;
    },
  };
  // Series that alerts and dashboards use exist from the start (at 0), not from the first event.
  for (const stage of DEAD_LETTER_STAGES) m.deadLetters.inc({ stage }, 0);
  for (const sink of SINKS) {
    m.sinkInflight.set({ sink }, 0);
    m.sinkErrors.inc({ sink }, 0);
  }
  for (const reason of ['inflight_budget', 'source_queue'] as const) m.sourcePausedSeconds.inc({ reason }, 0);
  for (const outcome of RESYNC_OUTCOMES) m.resyncDocuments.inc({ outcome }, 0);
  m.cacheHits.inc({ cache: 'path' }, 0);
  m.cacheMisses.inc({ cache: 'path' }, 0);
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Process and Node.js metrics (prom-client's defaults) as epipe_process_* and epipe_nodejs_*. */
export function enableProcessMetrics(metrics: Metrics, build: { version: string }): void {
  collectDefaultMetrics({ register: metrics.registry, prefix: 'epipe_' });
  metrics.buildInfo.set({ version: build.version, nodejs: process.version }, 1);
}
