import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, type Logger } from '@epipe/core';
import type { InodeChange } from '@epipe/sink-elastic';
import type { PipelineMetrics } from './deps';

/** What the probe asks of the search index: does a search find this document at this version? */
export interface SearchVisibility {
  searchable(inodeId: number, version: number, signal?: AbortSignal): Promise<boolean>;
}

export interface SearchableProbeOptions {
  /** Least time between two samples: the probe's load on the cluster stays at about one search per pollMs. */
  everyMs: number;
  /** Time between two searches for one sample: the resolution of what it measures (plus a round trip). */
  pollMs: number;
  /** A document not found by then is given up: deleted or replaced meanwhile, or the index is stuck. */
  giveUpMs: number;
}

export const DEFAULT_SEARCHABLE_PROBE_OPTIONS: SearchableProbeOptions = {
  everyMs: 1_000,
  pollMs: 20,
  giveUpMs: 60_000,
};

interface Sample {
  inodeId: number;
  version: number;
  commitTsMs: number;
  ackedAtMs: number;
}

/**
 * Measures the last part of searchable lag, which no stage can time: after the search sink
 * acknowledged a batch, the index still has to refresh before a search finds its documents.
 * At most one document about every `everyMs` is sampled; the probe searches for it at its
 * version until found, then observes commit → searchable and ack → searchable.
 *
 * It never holds up the pipeline: `acknowledged` returns at once, the polling runs on its own,
 * one sample at a time (a sample offered while one is in flight is dropped), and its failures
 * are logged, never thrown. `stop` ends it for good (the lifetime's end).
 */
export class SearchableProbe {
  private readonly stopped = new AbortController();
  private inFlight: Promise<void> | null = null;
  private lastSampleAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly index: SearchVisibility,
    private readonly metrics: Pick<PipelineMetrics, 'searchableLag' | 'searchRefreshWait'>,
    private readonly logger: Logger,
    private readonly options: SearchableProbeOptions = DEFAULT_SEARCHABLE_PROBE_OPTIONS,
  ) {}

  /** The search sink acknowledged these changes: maybe samples one of their documents. */
  acknowledged(changes: readonly InodeChange[]): void {
    const now = Date.now();
    if (this.stopped.signal.aborted || this.inFlight || now - this.lastSampleAtMs < this.options.everyMs)
      return;
    // The newest document: the one whose wait the batch's last writer sees.
    for (let i = changes.length - 1; i >= 0; i--) {
      const change = changes[i]!;
      if (change.kind !== 'upsert') continue;
      const { doc } = change;
      this.lastSampleAtMs = now;
      const sample = { inodeId: doc.inodeId, version: doc.logicalTime, commitTsMs: doc.lastCommitTsMs };
      this.inFlight = this.measure({ ...sample, ackedAtMs: now }).finally(() => (this.inFlight = null));
      return;
    }
  }

  /** Settles when no sample is in flight (tests, and a stop that wants to wait). */
  async idle(): Promise<void> {
    await this.inFlight;
  }

  /** Ends the sample in flight and takes no more. */
  stop(): void {
    this.stopped.abort();
  }

  private async measure(sample: Sample): Promise<void> {
    const signal = this.stopped.signal;
    const { pollMs, giveUpMs } = this.options;
    try {
      while (!signal.aborted) {
        if (await this.index.searchable(sample.inodeId, sample.version, signal)) {
          const now = Date.now();
          this.metrics.searchableLag.observe(Math.max(0, now - sample.commitTsMs) / 1000);
          this.metrics.searchRefreshWait.observe((now - sample.ackedAtMs) / 1000);
          return;
        }
        if (Date.now() - sample.ackedAtMs > giveUpMs) {
          this.logger.debug({ inodeId: sample.inodeId, version: sample.version }, 'searchable probe gave up');
          return;
        }
        await sleep(pollMs, undefined, { signal, ref: false });
      }
    } catch (err) {
      if (!signal.aborted)
        this.logger.debug({ err: errorMessage(err), inodeId: sample.inodeId }, 'searchable probe failed');
    }
  }
}
