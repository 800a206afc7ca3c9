import type { WriteSample } from './generator';
import { esJson, type StackEnv } from './stack';

interface Pending extends WriteSample {
  label: string;
}

interface Hit {
  _source: { inode_id: number; logical_time: number; last_commit_ts: number };
}

/**
 * Commit-to-searchable lag: writers report some of their writes (inode, version); the probe
 * searches for them every pollMs and notes when the index first shows that version or a newer
 * one. The commit time is the document's own last_commit_ts when it shows exactly that version
 * (the writer's clock, read right before COMMIT), otherwise the time the write returned.
 * Resolution: pollMs plus one search round trip.
 */
export class SearchProbe {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  readonly lags = new Map<string, number[]>();
  readonly unresolved = new Map<string, number>();
  label = '';

  constructor(
    private readonly stack: StackEnv,
    private readonly index: string,
    readonly pollMs = 100,
    private readonly giveUpMs = 30_000,
  ) {}

  add(sample: WriteSample): void {
    if (this.label) this.pending.push({ ...sample, label: this.label });
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
  }

  get waiting(): number {
    return this.pending.length;
  }

  stop(): void {
    clearInterval(this.timer);
    for (const p of this.pending) this.unresolved.set(p.label, (this.unresolved.get(p.label) ?? 0) + 1);
    this.pending = [];
  }

  private async poll(): Promise<void> {
    if (this.busy || this.pending.length === 0) return;
    this.busy = true;
    try {
      const batch = this.pending.slice(0, 2_000);
      const ids = [...new Set(batch.map((p) => p.inodeId))];
      const body = await esJson<{ hits: { hits: Hit[] } }>(this.stack, `/${this.index}/_search`, {
        method: 'POST',
        body: JSON.stringify({
          size: ids.length,
          query: { terms: { inode_id: ids } },
          _source: ['inode_id', 'logical_time', 'last_commit_ts'],
        }),
      }).catch(() => ({ hits: { hits: [] as Hit[] } }));
      const now = Date.now();
      const found = new Map(body.hits.hits.map((h) => [h._source.inode_id, h._source]));
      const done = new Set<Pending>();
      for (const p of batch) {
        const doc = found.get(p.inodeId);
        if (doc && doc.logical_time >= p.logicalTime) {
          const committedAt = doc.logical_time === p.logicalTime ? doc.last_commit_ts : p.doneAtMs;
          const list = this.lags.get(p.label) ?? [];
          list.push(now - committedAt);
          this.lags.set(p.label, list);
          done.add(p);
        } else if (now - p.doneAtMs > this.giveUpMs) {
          // Deleted (or renamed away and deleted) before it became searchable.
          this.unresolved.set(p.label, (this.unresolved.get(p.label) ?? 0) + 1);
          done.add(p);
        }
      }
      this.pending = this.pending.filter((p) => !done.has(p));
    } finally {
      this.busy = false;
    }
  }
}
