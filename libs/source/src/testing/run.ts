import type { TransactionChunk } from '../chunk';
import type { LogSource } from '../source';

/**
 * Consumes a source in the background, as the pipeline would, so a test can write rows and
 * wait for them. Test helper.
 */
export class SourceRun {
  readonly chunks: TransactionChunk[] = [];
  error: unknown;
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;
  private readonly listeners = new Set<() => void>();

  constructor(source: LogSource, options: { delayMs?: number } = {}) {
    this.done = (async () => {
      try {
        for await (const chunk of source.read(this.controller.signal)) {
          this.chunks.push(chunk);
          this.notify();
          if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        }
      } catch (err) {
        this.error = err;
      } finally {
        this.finished = true;
        this.notify();
      }
    })();
  }

  finished = false;

  /** Every row or poison row id delivered so far, in delivery order. */
  ids(origin?: TransactionChunk['origin']): number[] {
    return this.chunks
      .filter((c) => !origin || c.origin === origin)
      .flatMap((c) => [...c.rows.map((r) => r.logId), ...c.poison.map((p) => p.logId ?? -1)]);
  }

  /** Resolves once `predicate` holds; rejects when the source ends first or `timeoutMs` passes. */
  waitFor(predicate: (run: SourceRun) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate(this)) finish(resolve);
        else if (this.finished && !predicate(this))
          finish(() => reject(new Error(`source ended before ${what}: ${String(this.error)}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`timed out waiting for ${what}`))),
        timeoutMs,
      );
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        then();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Waits for read() to end on its own (an error). */
  async ended(timeoutMs = 30_000): Promise<unknown> {
    await this.waitFor((r) => r.finished, 'the source to end', timeoutMs);
    return this.error;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.done;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
