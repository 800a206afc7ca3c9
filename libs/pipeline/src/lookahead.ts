/**
 * How far the enrich stage may run ahead of delivery: batch n is enriched only once batch
 * n - depth has been delivered (every sink and the coalesce stage done with it, or failed).
 *
 * Why: an enriched batch (events, documents, ancestor chains, then the sinks' serialized
 * records) holds several times the bytes its rows are counted with in the byte budget. Enrichment
 * is faster than the sinks, so without a bound every admitted batch soon waited enriched, and a
 * drain's memory grew with the backlog up to the whole budget (a 50k-row drain peaked above
 * 300 MiB). With a few batches enriched ahead, the sinks still never wait for enrichment.
 */
export class Lookahead {
  /** The delivery of the last `depth` batches dispatched, oldest first. */
  private readonly recent: Promise<void>[] = [];

  constructor(private readonly depth: number) {}

  /** Resolves when the next batch may be enriched. */
  next(): Promise<void> {
    return this.recent.length < this.depth ? Promise.resolve() : this.recent[0]!;
  }

  /** The delivery of the batch `next()` was just asked for; a failure only opens the gate. */
  dispatched(delivered: Promise<unknown>): void {
    this.recent.push(
      delivered.then(
        () => undefined,
        () => undefined,
      ),
    );
    // The oldest is no longer waited on here; it never rejects (see above), so dropping it is safe.
    if (this.recent.length > this.depth) void this.recent.shift();
  }
}
