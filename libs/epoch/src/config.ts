export interface EpochConfig {
  /** Close an epoch this long after it opened (an idle source closes empty epochs too). */
  maxEpochMs: number;
  /** Close an epoch at a transaction boundary once it holds this many rows... */
  maxEpochRows: number;
  /** ...or this many bytes. */
  maxEpochBytes: number;
  /** A single transaction bigger than this is cut into several batches of one epoch. */
  maxBatchRows: number;
  maxBatchBytes: number;
}

export const DEFAULT_EPOCH_CONFIG: EpochConfig = {
  maxEpochMs: 50,
  maxEpochRows: 5_000,
  maxEpochBytes: 4 * 1024 * 1024,
  maxBatchRows: 20_000,
  maxBatchBytes: 16 * 1024 * 1024,
};
