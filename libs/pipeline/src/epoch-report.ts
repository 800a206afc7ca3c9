import type { Batch } from '@epipe/core';
import type { PipelineDeps, PipelineMetrics } from './deps';

/**
 * Reports each batch as it leaves the epoch stage: epochs closed, the current epoch, each closed
 * epoch's size and duration over its parts (an epoch opens when the previous closes), and each
 * row's wait from its writer's commit to here, the first part of its lag.
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
    // The writer's clock against the daemon's: a little skew must not make a negative wait.
    for (const row of batch.rows)
      metrics.epochWait.observe(Math.max(0, batch.closedAtMs - row.commitTsMs) / 1000);
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
