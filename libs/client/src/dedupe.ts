/**
 * Remembers the last `capacity` event ids. epipe delivers at least once, so a subscriber sees a
 * replayed event again after a crash; replays are recent, so a bounded window is enough.
 */
export class DedupeWindow {
  private readonly seen = new Set<string>();
  private readonly order: string[] = [];
  private head = 0;

  constructor(readonly capacity = 1_000_000) {}

  /** True the first time an id is seen (within the window). */
  firstTime(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    this.order.push(id);
    if (this.order.length - this.head > this.capacity) {
      this.seen.delete(this.order[this.head]!);
      this.head++;
      if (this.head > 65_536) {
        this.order.splice(0, this.head);
        this.head = 0;
      }
    }
    return true;
  }
}
