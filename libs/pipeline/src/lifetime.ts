import { EpipeError } from '@epipe/core';

/**
 * The signals of one lifetime. `reading` stops the source (a clean stop then drains what is in
 * flight); `stop` also abandons in-flight calls (on failure, or when the drain deadline passes).
 * The first failure is kept: it is what the lifetime ends with.
 */
export class Lifetime {
  readonly reading = new AbortController();
  readonly stop = new AbortController();
  private firstFailure: Error | undefined;
  private readonly onOuterAbort: () => void;

  /**
   * `signal`: aborting it is a clean stop. `fence`: aborted when this instance may no longer
   * write (its leader lock is gone), which fails the lifetime at once instead of draining.
   */
  constructor(
    private readonly signal: AbortSignal,
    fence?: AbortSignal,
  ) {
    this.onOuterAbort = () => this.reading.abort(signal.reason);
    if (signal.aborted) this.onOuterAbort();
    signal.addEventListener('abort', this.onOuterAbort, { once: true });
    const onFenced = (): void =>
      this.fail(fence?.reason ?? new EpipeError('NOT_LEADER', 'leader lock lost', { retriable: true }));
    if (fence?.aborted) onFenced();
    fence?.addEventListener('abort', onFenced, { once: true });
  }

  get failure(): Error | undefined {
    return this.firstFailure;
  }

  readonly fail = (err: unknown): void => {
    if (this.firstFailure === undefined)
      this.firstFailure = err instanceof Error ? err : new Error(String(err));
    this.reading.abort(err);
    this.stop.abort(err);
  };

  /** The source is no longer read: the outer signal has nothing left to stop. */
  detach(): void {
    this.signal.removeEventListener('abort', this.onOuterAbort);
  }
}
