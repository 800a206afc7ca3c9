import type { TransactionChunk } from './chunk';

export interface FlowControl {
  /** The queue went over its bound: stop producing. */
  pause(): void;
  /** The consumer drained the queue below half its bound: produce again. */
  resume(): void;
}

/**
 * The hand-off between the binlog listener (push, synchronous, from socket events) and the
 * consumer (take, async). Bounded in bytes by flow control rather than by refusing pushes: the
 * listener cannot un-read what the socket already delivered, so a push over the bound is kept
 * and the producer is told to pause; only the little already in flight lands after that.
 * A failure is reported on the next take, ahead of buffered chunks: the caller restarts and
 * rescans anyway, so delivering them first would only delay the restart.
 */
export class ChunkQueue {
  private readonly items: TransactionChunk[] = [];
  private head = 0;
  private bytesHeld = 0;
  private paused = false;
  private failure: { error: unknown } | undefined;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly flow: FlowControl,
  ) {}

  get bytes(): number {
    return this.bytesHeld;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  push(chunk: TransactionChunk): void {
    if (this.failure || this.ended) return;
    this.items.push(chunk);
    this.bytesHeld += chunk.bytes;
    if (!this.paused && this.bytesHeld > this.maxBytes) {
      this.paused = true;
      this.flow.pause();
    }
    this.notify();
  }

  /** The first failure wins; later ones (often consequences of the first) are dropped. */
  fail(error: unknown): void {
    if (this.failure || this.ended) return;
    this.failure = { error };
    this.notify();
  }

  /** No more chunks will come (the producer stopped on purpose). */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The next chunk; undefined when the signal aborts or the queue ended and is empty. */
  async take(signal: AbortSignal): Promise<TransactionChunk | undefined> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      if (signal.aborted) return undefined;
      const chunk = this.shift();
      if (chunk) return chunk;
      if (this.ended) return undefined;
      await this.waitForChange(signal);
    }
  }

  private shift(): TransactionChunk | undefined {
    if (this.head >= this.items.length) return undefined;
    const chunk = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as TransactionChunk;
    this.head++;
    // Compact now and then so the array does not grow with everything ever queued.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    this.bytesHeld -= chunk.bytes;
    if (this.paused && this.bytesHeld <= this.maxBytes / 2) {
      this.paused = false;
      this.flow.resume();
    }
    return chunk;
  }

  private waitForChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private notify(): void {
    this.wake?.();
  }
}
