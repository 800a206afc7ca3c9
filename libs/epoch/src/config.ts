import { declareFields, defaultsOf, type FieldValues } from '@epipe/core';

export interface EpochConfig {
  /** Close an epoch this long after it opened (an idle source closes empty epochs too). */
  maxEpochMs: number;
  /**
   * While the pipeline is busy (batches queue behind a stage), an open epoch stays open up to
   * this long instead of `maxEpochMs`: under load, fewer and bigger batches, so each stage's cost
   * per batch (a round trip to each sink, a DELETE) is paid once for many rows. At or below
   * `maxEpochMs` it never holds.
   */
  maxBusyEpochMs: number;
  /** Close an epoch at a transaction boundary once it holds this many rows... */
  maxEpochRows: number;
  /** ...or this many bytes. */
  maxEpochBytes: number;
  /** A single transaction bigger than this is cut into several batches of one epoch. */
  maxBatchRows: number;
  maxBatchBytes: number;
}

const MiB = 1024 * 1024;

/** The `epoch` section of the configuration (its names are shorter: see epochConfig). */
export const EPOCH_FIELDS = declareFields({
  maxMs: { type: 'int', env: 'EPIPE_EPOCH_MS', default: 50, min: 1, doc: 'Epoch time budget' },
  busyMaxMs: {
    type: 'int',
    env: 'EPIPE_EPOCH_BUSY_MS',
    default: 500,
    min: 1,
    doc: 'Epoch time budget while batches queue behind a busy stage (at or below maxMs: epochs are never held)',
  },
  maxRows: { type: 'int', env: 'EPIPE_EPOCH_ROWS', default: 5_000, min: 1, doc: 'Epoch size budget (rows)' },
  maxBytes: {
    type: 'int',
    env: 'EPIPE_EPOCH_BYTES',
    default: 4 * MiB,
    min: 1024,
    doc: 'Epoch size budget (bytes)',
  },
  maxBatchRows: {
    type: 'int',
    env: 'EPIPE_BATCH_ROWS',
    default: 20_000,
    min: 1,
    doc: 'Batch cut inside a giant transaction (rows)',
  },
  maxBatchBytes: {
    type: 'int',
    env: 'EPIPE_BATCH_BYTES',
    default: 8 * MiB,
    min: 1024,
    doc: 'Batch cut inside a giant transaction (bytes)',
  },
});

/** The epoch builder's configuration from the `epoch` section. */
export function epochConfig(values: FieldValues<typeof EPOCH_FIELDS>): EpochConfig {
  return {
    maxEpochMs: values.maxMs,
    maxBusyEpochMs: values.busyMaxMs,
    maxEpochRows: values.maxRows,
    maxEpochBytes: values.maxBytes,
    maxBatchRows: values.maxBatchRows,
    maxBatchBytes: values.maxBatchBytes,
  };
}

export const DEFAULT_EPOCH_CONFIG: EpochConfig = epochConfig(defaultsOf(EPOCH_FIELDS));
