import { assert } from './errors';

/**
 * A semaphore counted in bytes. The source acquires before it buffers a transaction, the ack
 * stage releases once the batch is done; when the budget is spent the source waits (and pauses
 * the binlog socket). A single item larger than the whole budget is admitted alone, so a giant
 * transaction can still make progress: it waits until nothing else is held.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiters: { bytes: number; resolve: () => void }[] = [];

  constructor(readonly capacity: number) {
    assert(capacity > 0, 'byte budget must be positive');
  }

  get inUse(): number {
    return this.used;
  }

  get available(): number {
    return Math.max(0, this.capacity - this.used);
  }

  /** True when `bytes` could be taken right now without waiting. */
  fits(bytes: number): boolean {
    return this.waiters.length === 0 && this.admissible(bytes);
  }

  tryAcquire(bytes: number): boolean {
    if (!this.fits(bytes)) return false;
    this.used += bytes;
    return true;
  }

  acquire(bytes: number): Promise<void> {
    if (this.tryAcquire(bytes)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ bytes, resolve }));
  }

  release(bytes: number): void {
    this.used -= bytes;
    assert(this.used >= 0, `byte budget released more than acquired (${this.used})`);
    while (this.waiters.length > 0 && this.admissible(this.waiters[0]!.bytes)) {
      const next = this.waiters.shift()!;
      this.used += next.bytes;
      next.resolve();
    }
  }

  private admissible(bytes: number): boolean {
    return this.used + bytes <= this.capacity || this.used === 0;
  }
}
