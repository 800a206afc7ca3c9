import type { LogRow, RawLogRow } from './logrow';
import type { BinlogPosition } from './position';

/** A row that could not be parsed. It travels with its batch so it is dead-lettered in order. */
export interface PoisonRow {
  logId: number | undefined;
  raw: RawLogRow;
  reason: string;
}

/**
 * The unit of delivery and acknowledgement. An epoch is one batch unless a single transaction is
 * larger than the batch budget; then its batches share the epoch id and are numbered by `part`.
 * (epoch, part) is totally ordered, and batches complete in that order.
 */
export interface Batch {
  epoch: number;
  part: number;
  /** True on the epoch's final batch. */
  last: boolean;
  rows: LogRow[];
  poison: PoisonRow[];
  /** Position of the last whole transaction in the batch, if it came from the binlog. */
  position?: BinlogPosition;
  bytes: number;
  /** Transactions whose final row is in this batch. */
  transactions: number;
  closedAtMs: number;
}
