import { type Batch, type BinlogPosition, type LogRow, type PoisonRow, assert } from '@epipe/core';
import type { EpochConfig } from './config';
import { reorderByInode } from './reorder';

/** What the builder needs of a source chunk (structurally the source's TransactionChunk). */
export interface ChunkLike {
  rows: LogRow[];
  poison: PoisonRow[];
  final: boolean;
  position?: BinlogPosition;
  bytes: number;
}

/** `now` and `firstEpoch` are for tests (a fake clock, fixed ids). */
export function createEpochBuilder(
  config: EpochConfig,
  now: () => number = Date.now,
  firstEpoch?: number,
): EpochBuilder {
  return new EpochBuilder(config, now, firstEpoch);
}

/**
 * Groups committed transactions into totally ordered epochs (P1) without ever splitting a
 * transaction across epochs (P2). Epoch ids start from the wall clock in microseconds so they
 * keep increasing across restarts of the daemon, then count up by one.
 */
export class EpochBuilder {
  private epoch: number;
  private part = 0;
  private rows: LogRow[] = [];
  private poison: PoisonRow[] = [];
  private bytes = 0;
  private transactions = 0;
  private position: BinlogPosition | undefined;
  private openedAtMs: number;
  private inTransaction = false;

  constructor(
    private readonly config: EpochConfig,
    now: () => number = Date.now,
    firstEpoch?: number,
  ) {
    this.now = now;
    this.epoch = firstEpoch ?? now() * 1000;
    this.openedAtMs = now();
  }

  private readonly now: () => number;

  get currentEpoch(): number {
    return this.epoch;
  }

  /** Adds a chunk; returns the batches it closed, in order. */
  add(chunk: ChunkLike): Batch[] {
    const out: Batch[] = [];
    this.rows.push(...chunk.rows);
    this.poison.push(...chunk.poison);
    this.bytes += chunk.bytes;
    this.inTransaction = !chunk.final;
    if (chunk.final) {
      this.transactions++;
      if (chunk.position) this.position = chunk.position;
      if (this.rows.length >= this.config.maxEpochRows || this.bytes >= this.config.maxEpochBytes) {
        out.push(this.close(true));
      }
    } else if (this.rows.length >= this.config.maxBatchRows || this.bytes >= this.config.maxBatchBytes) {
      // Mid-transaction: the epoch cannot close (P2), but memory must stay bounded.
      out.push(this.close(false));
    }
    return out;
  }

  /**
   * Closes the open epoch when its time budget is spent (or `force`, at shutdown) and no
   * transaction is half-read. With `busy` (batches queue behind a stage downstream) the budget is
   * `maxBusyEpochMs`: a batch closed now would only wait in line, and one batch of many rows
   * costs each stage about what one of few rows does, so the rows wait in the open epoch instead
   * and the queue drains in fewer, bigger batches. The size budgets still close it as usual.
   */
  tick(force = false, busy = false): Batch[] {
    if (this.inTransaction) return [];
    const budgetMs = busy
      ? Math.max(this.config.maxEpochMs, this.config.maxBusyEpochMs)
      : this.config.maxEpochMs;
    if (!force && this.now() - this.openedAtMs < budgetMs) return [];
    return [this.close(true)];
  }

  /** Log ids of the rows in the open epoch (not yet in any batch). */
  *openLogIds(): Iterable<number> {
    for (const r of this.rows) yield r.logId;
    for (const p of this.poison) if (p.logId !== undefined) yield p.logId;
  }

  private close(last: boolean): Batch {
    const batch: Batch = {
      epoch: this.epoch,
      part: this.part,
      last,
      rows: reorderByInode(this.rows),
      poison: this.poison,
      bytes: this.bytes,
      transactions: this.transactions,
      closedAtMs: this.now(),
      ...(this.position ? { position: this.position } : {}),
    };
    this.rows = [];
    this.poison = [];
    this.bytes = 0;
    this.transactions = 0;
    if (last) {
      assert(!this.inTransaction, 'closed an epoch in the middle of a transaction');
      this.epoch++;
      this.part = 0;
      this.position = undefined;
      this.openedAtMs = this.now();
    } else {
      this.part++;
    }
    return batch;
  }
}
