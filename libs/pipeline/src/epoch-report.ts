import type { Batch } from '@epipe/core';
import type { PipelineDeps, PipelineMetrics } from './deps';

/**
 * Reports each batch as it leaves the epoch stage: epochs closed, the current epoch, and each
 * closed epoch's size and duration over its parts (an epoch opens when the previous closes).
 */
export class EpochReport {
  private epochRows = 0;
  private previousClose: number | undefined;

  constructor(
    private readonly metrics: PipelineMetrics,
    private readonly onRead: PipelineDeps['onRead'],
  ) {}

  batch(batch: Batch): void {
    const { metrics } = this;
    metrics.epochs.inc(batch.last ? 1 : 0);
    metrics.currentEpoch.set(batch.epoch);
    this.epochRows += batch.rows.length + batch.poison.length;
    if (batch.last) {
      if (this.epochRows > 0) {
        metrics.epochRows.observe(this.epochRows);
        if (this.previousClose !== undefined)
          metrics.epochDuration.observe((batch.closedAtMs - this.previousClose) / 1000);
      }
      this.previousClose = batch.closedAtMs;
      this.epochRows = 0;
    }
    this.onRead?.(batch);
  }
}
