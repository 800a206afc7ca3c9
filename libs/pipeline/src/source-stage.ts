import type { ByteBudget } from '@epipe/core';
import type { ChunkLike } from '@epipe/epoch';
import { admit } from './admission';
import type { PipelineDeps, PipelineMetrics } from './deps';
import type { ReadProgress } from './missed-rows';

/**
 * The source stage: the source's chunks, each admitted into the byte budget first. While the
 * budget is spent the source is not read (and its own buffer then pauses the binlog socket).
 */
export class SourceStage implements ReadProgress {
  highestSeenLogId = 0;
  lastChunkAtMs = Date.now();
  waitingForBudget = false;

  constructor(
    private readonly source: PipelineDeps['source'],
    private readonly budget: ByteBudget,
    private readonly metrics: PipelineMetrics,
  ) {}

  /** Ends when `signal` aborts (while waiting for the budget too) or the source ends. */
  async *chunks(signal: AbortSignal): AsyncIterable<ChunkLike> {
    const { budget, metrics } = this;
    for await (const chunk of this.source.read(signal)) {
      this.lastChunkAtMs = Date.now();
      metrics.inflightBytes.set(budget.inUse);
      if (!budget.fits(chunk.bytes)) {
        metrics.setSourcePaused('inflight_budget', true);
        this.waitingForBudget = true;
        const admitted = await admit(budget, chunk.bytes, signal);
        this.waitingForBudget = false;
        this.lastChunkAtMs = Date.now();
        metrics.setSourcePaused('inflight_budget', false);
        if (!admitted) return;
      } else {
        budget.tryAcquire(chunk.bytes);
      }
      if (signal.aborted) return;
      for (const r of chunk.rows) if (r.logId > this.highestSeenLogId) this.highestSeenLogId = r.logId;
      yield chunk;
    }
  }
}
