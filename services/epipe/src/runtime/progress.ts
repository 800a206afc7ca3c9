/**
 * Tells a wedged pipeline from a busy or a waiting one, for liveness. A restart of the process
 * helps only when nothing moves although there is work: a call that never returns, a source that
 * stopped delivering. An outage of Kafka, Elasticsearch or MariaDB is not that: the calls are
 * retried (activity), the daemon reports not-ready, and restarting it would not bring the
 * system back. So "stuck" is: work pending (rows wait in the log table) and, for `stuckAfterMs`,
 * no row acknowledged, no failing call retried, no lifetime restarted.
 */
export class ProgressWatch {
  private lastProgressMs: number;
  private pendingSinceMs: number | null = null;

  constructor(
    private readonly stuckAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastProgressMs = now();
  }

  /** Something moved: rows acknowledged, a failing call retried, a lifetime (re)started. */
  progress(): void {
    this.lastProgressMs = this.now();
  }

  /** Whether work waits now: rows in the log table. A standby has none of its own. */
  pending(waiting: boolean): void {
    if (!waiting) this.pendingSinceMs = null;
    else this.pendingSinceMs ??= this.now();
  }

  /** Milliseconds of progress the pipeline owes: 0 while nothing waits. */
  stalledMs(): number {
    if (this.pendingSinceMs === null) return 0;
    return Math.max(0, this.now() - Math.max(this.lastProgressMs, this.pendingSinceMs));
  }

  /** Why the pipeline is stuck, or null when it is not. */
  stuck(): string | null {
    const stalled = this.stalledMs();
    if (stalled <= this.stuckAfterMs) return null;
    return `no progress for ${Math.round(stalled / 1000)} s while log rows wait (limit ${Math.round(this.stuckAfterMs / 1000)} s)`;
  }
}
