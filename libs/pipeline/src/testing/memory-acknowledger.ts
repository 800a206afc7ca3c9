import type { LogAcknowledger } from '../ack';

/** The log table as the acknowledger sees it, in memory: what the pipeline's tests can stand on. */
export class MemoryLogAcknowledger implements LogAcknowledger {
  private readonly rows = new Map<number, number>();
  /** Every log id a deleteRows call removed, in call order. */
  readonly deleted: number[] = [];

  /** Adds rows to the table, as a writer's commit does. */
  insert(rows: readonly { logId: number; commitTsMs: number }[]): void {
    for (const r of rows) this.rows.set(r.logId, r.commitTsMs);
  }

  deleteRows(logIds: readonly number[]): Promise<number> {
    let deleted = 0;
    for (const id of logIds) {
      if (!this.rows.delete(id)) continue;
      this.deleted.push(id);
      deleted++;
    }
    return Promise.resolve(deleted);
  }

  oldestRows(limit: number): Promise<{ logId: number; commitTsMs: number }[]> {
    const ids = [...this.rows.keys()].sort((a, b) => a - b).slice(0, limit);
    return Promise.resolve(ids.map((logId) => ({ logId, commitTsMs: this.rows.get(logId)! })));
  }
}
