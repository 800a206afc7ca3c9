/**
 * Where a subscriber remembers the event ids it has handled. epipe delivers at least once, so a
 * subscriber sees an event again after a crash or a rebalance; it drops those by event id.
 *
 * An id is checked before the handler runs and remembered only after it returned, so a handler
 * that failed sees the event again. A durable store (a table keyed by event id, written in the
 * same transaction as the subscriber's own effect) makes that exact across restarts; the default
 * in-memory one forgets on restart and keeps only the newest ids.
 */
export interface DedupeStore {
  has(eventId: string): boolean | Promise<boolean>;
  add(eventId: string): void | Promise<void>;
}

/**
 * Remembers the last `capacity` event ids (a million by default, about 100 MB at most).
 * Replays are recent (epipe re-sends what was not acknowledged, not history), so a bounded
 * window is enough.
 */
export class MemoryDedupeStore implements DedupeStore {
  private readonly seen = new Set<string>();
  private readonly order: string[] = [];
  private head = 0;

  constructor(readonly capacity = 1_000_000) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.seen.size;
  }

  has(eventId: string): boolean {
    return this.seen.has(eventId);
  }

  add(eventId: string): void {
    if (this.seen.has(eventId)) return;
    this.seen.add(eventId);
    this.order.push(eventId);
    if (this.order.length - this.head > this.capacity) {
      this.seen.delete(this.order[this.head]!);
      this.head++;
      // Compact now and then, so the array does not grow with every id ever seen.
      if (this.head > 65_536) {
        this.order.splice(0, this.head);
        this.head = 0;
      }
    }
  }
}
