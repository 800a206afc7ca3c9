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

export const DEFAULT_PIPELINE_CONFIG: PipelineConfig = {
  epoch: DEFAULT_EPOCH_CONFIG,
  maxInflightBytes: 64 * 1024 * 1024,
  shutdownTimeoutMs: 30_000,
  missedRowAgeMs: 60_000,
};

export const DEFAULT_PROVENANCE_CONFIG: Omit<ProvenanceConfig, 'source'> = {
  windowMs: 10_000,
  graceMs: 2_000,
  maxDeferredRows: 100_000,
  maxOpenMs: 60_000,
};

export interface AckConfig {
  /** The log table, e.g. 'fs_log'. */
  logTable: string;
}
