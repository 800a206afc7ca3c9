import { declareFields, defaultsOf } from '@epipe/core';
import { DEFAULT_EPOCH_CONFIG, type EpochConfig } from '@epipe/epoch';

export interface PipelineConfig {
  epoch: EpochConfig;
  /** Bytes of batches between the source and the ack; when spent, the source is not read. */
  maxInflightBytes: number;
  /** How long a clean stop may take to drain in-flight batches before they are abandoned. */
  shutdownTimeoutMs: number;
  /**
   * A log row this old that the pipeline has passed by without receiving it (an XA transaction,
   * whose XA COMMIT the binlog reader does not turn into rows; a writer with sql_log_bin=0) ends
   * the lifetime, so the next one's recovery scan reads it. 0 turns the check off.
   */
  missedRowAgeMs: number;
  /** The coalesce stage (provenance); absent or null: off, and rows are deleted once delivered. */
  provenance?: ProvenanceConfig | null;
}

export interface ProvenanceConfig {
  /** Prefix of provenance event ids: the source database's name, as in file event ids. */
  source: string;
  /** Tumbling windows on commit time. */
  windowMs: number;
  /** A window closes once commit time (or, with an idle source, wall time) passes end + grace. */
  graceMs: number;
  /** Rows whose deletion may wait behind open windows; past it the oldest window closes. */
  maxDeferredRows: number;
  /** Wall time a window may stay open before it is closed early. */
  maxOpenMs: number;
}

/** The `pipeline` section of the configuration. */
export const PIPELINE_FIELDS = declareFields({
  maxInflightBytes: {
    type: 'int',
    env: 'EPIPE_MAX_INFLIGHT_BYTES',
    default: 64 * 1024 * 1024,
    min: 1024,
    doc: 'Memory bound for batches between source and ack; the source pauses beyond it',
  },
  shutdownTimeoutMs: {
    type: 'int',
    env: 'EPIPE_SHUTDOWN_TIMEOUT_MS',
    default: 30_000,
    min: 100,
    doc: 'Drain time on SIGTERM',
  },
  missedRowAgeMs: {
    type: 'int',
    env: 'EPIPE_MISSED_ROW_AGE_MS',
    default: 60_000,
    min: 0,
    doc: 'A log row this old that the binlog never delivered (XA transactions, sql_log_bin=0 writers) triggers a rescan of the log table; 0 turns the check off',
  },
});

/** The coalesce stage's windows: part of the `provenance` section of the configuration. */
export const PROVENANCE_WINDOW_FIELDS = declareFields({
  windowMs: {
    type: 'int',
    env: 'EPIPE_PROVENANCE_WINDOW_MS',
    default: 10_000,
    min: 1,
    doc: 'Tumbling window on commit time: the reads of one artifact by one app in a window are one ACCESS event',
  },
  graceMs: {
    type: 'int',
    env: 'EPIPE_PROVENANCE_GRACE_MS',
    default: 2_000,
    min: 0,
    doc: 'A window closes once its end plus this has passed; late rows join the oldest open window',
  },
  maxDeferredRows: {
    type: 'int',
    env: 'EPIPE_PROVENANCE_MAX_DEFERRED_ROWS',
    default: 100_000,
    min: 1,
    doc: 'Delivered rows whose deletion may wait behind open windows; beyond it the oldest window closes early',
  },
  maxOpenMs: {
    type: 'int',
    env: 'EPIPE_PROVENANCE_MAX_OPEN_MS',
    default: 60_000,
    min: 1,
    doc: 'Wall time a window may stay open before it closes early',
  },
});

export const DEFAULT_PIPELINE_CONFIG: PipelineConfig = {
  epoch: DEFAULT_EPOCH_CONFIG,
  ...defaultsOf(PIPELINE_FIELDS),
};

export const DEFAULT_PROVENANCE_CONFIG: Omit<ProvenanceConfig, 'source'> =
  defaultsOf(PROVENANCE_WINDOW_FIELDS);

export interface AckConfig {
  /** The log table, e.g. 'fs_log'. */
  logTable: string;
}
