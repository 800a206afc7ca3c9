import type { Batch } from '@epipe/core';
import type { EnrichResult } from '@epipe/enrich';
import type { LogAcknowledger } from './ack';
import type { Call } from './call';
import type { PipelineDeps, PipelineMetrics } from './deps';

/**
 * The ack stage: a delivered batch's log rows (poison rows included) are deleted in batch order,
 * one transaction per batch, and only once no unpublished provenance window holds them
 * (DESIGN.md, "Ack and delete"): deletion stays in log order, so recovery's checks stay valid.
 */
export class AckStage {
  /** Delivered batches whose rows wait to be deleted, oldest first (seq: dispatch order). */
  private readonly deferred: { seq: number; ids: number[] }[] = [];

  constructor(
    private readonly deps: {
      acker: LogAcknowledger;
      call: Call;
      metrics: PipelineMetrics;
      onProgress: PipelineDeps['onProgress'];
      /** The first batch an unpublished window holds (null: none; always null without provenance). */
      firstHeldBatch: () => number | null;
    },
  ) {}

  /** A batch every sink (or the dead-letter topic) has acknowledged. */
  async acknowledge(seq: number, batch: Batch, result: EnrichResult): Promise<void> {
    const { metrics } = this.deps;
    const ids = batch.rows.map((r) => r.logId);
    for (const p of batch.poison) if (p.logId !== undefined) ids.push(p.logId);
    this.deferred.push({ seq, ids });
    await this.release();
    if (ids.length > 0) this.deps.onProgress?.(batch);
    for (const [rule, count] of Object.entries(result.filteredBy ?? {}))
      metrics.filtered.inc({ rule }, count);
    const now = Date.now();
    let newest = 0;
    for (const r of batch.rows) {
      metrics.lag.observe((now - r.commitTsMs) / 1000);
      newest = Math.max(newest, r.commitTsMs);
    }
    if (newest > 0) metrics.lastAckedCommit.set(newest / 1000);
  }

  /** Deletes the rows of the delivered batches older than the first one a window still holds. */
  async release(): Promise<void> {
    const { metrics } = this.deps;
    const firstHeld = this.deps.firstHeldBatch();
    while (this.deferred.length > 0 && (firstHeld === null || this.deferred[0]!.seq < firstHeld)) {
      const { ids } = this.deferred[0]!;
      const deleted =
        ids.length === 0
          ? 0
          : await this.deps.call('delete acknowledged rows', 'mysql', () => this.deps.acker.deleteRows(ids));
      this.deferred.shift();
      metrics.rowsAcked.inc(deleted);
    }
    metrics.rowsDeferred.set(this.deferred.reduce((sum, d) => sum + d.ids.length, 0));
  }

  /** Log ids delivered and not yet deleted. */
  *waitingIds(): Iterable<number> {
    for (const d of this.deferred) yield* d.ids;
  }
}
