import { DEFAULT_EPOCH_CONFIG, type EpochConfig } from '@epipe/epoch';

export interface PipelineConfig {
  epoch: EpochConfig;
  /** Bytes of batches between the source and the ack; when spent, the source is not read. */
  maxInflightBytes: number;
  /** How long a clean stop may take to drain in-flight batches before they are abandoned. */
  shutdownTimeoutMs: number;
}

export const DEFAULT_PIPELINE_CONFIG: PipelineConfig = {
  epoch: DEFAULT_EPOCH_CONFIG,
  maxInflightBytes: 64 * 1024 * 1024,
  shutdownTimeoutMs: 30_000,
};

export interface AckConfig {
  /** The log table, e.g. 'fs_log'. */
  logTable: string;
}
