import type { Batch, FileEvent, LogRow } from '@epipe/core';
import type { Counted } from './cache';
import type { EnrichConfig } from './config';
import type { EnrichMetrics } from './deps';
import { SearchViews } from './doc-views';
import { type EventFilter, KEEP_ALL } from './event-filter';
import { noneUnresolved, toFileEvent } from './file-event';
import { NameCaches } from './names';
import { placeRow } from './old-path';
import { PathTree } from './path-tree';
import { poisonRows } from './poison';
import type { MetadataReader } from './reader';
import { readCurrentStates } from './reread';
import type { EnrichResult, EventAncestors } from './result';
import { InheritedTags } from './tags';

/** How the cache budget is split; the edges are asked for on every row, so they get most. */
const CACHE_SHARES = { edges: 0.5, tags: 0.2, contexts: 0.15, users: 0.05, projects: 0.05, datasets: 0.05 };

/**
 * Turns a batch's log rows into events with path, project, dataset, user and execution context,
 * and computes what the search index must show at the end of the batch. It composes its parts
 * in the order a batch goes through them:
 *
 * 1. prefetch: the edges, names, contexts and tags the batch needs, one query per kind (names.ts,
 *    tags.ts);
 * 2. per row: its place and the old-path guess (old-path.ts), its event (file-event.ts), the tags
 *    it inherits and the filter's verdict (tags.ts), what the search index sees (doc-views.ts);
 * 3. the written inodes' current states, re-read while a commit is not yet visible (reread.ts);
 * 4. the rows that cannot be delivered (poison.ts) and the documents (doc-views.ts).
 */
export class Enricher {
  private readonly tree: PathTree;
  private readonly names: NameCaches;
  private readonly tags: InheritedTags;
  private seqBase = 0;

  constructor(
    private readonly config: EnrichConfig,
    private readonly reader: MetadataReader,
    private readonly filter: EventFilter = KEEP_ALL,
    private readonly metrics?: EnrichMetrics,
  ) {
    const share = (part: keyof typeof CACHE_SHARES): number => config.cacheMaxBytes * CACHE_SHARES[part];
    this.tree = new PathTree(share('edges'));
    this.names = new NameCaches({
      users: share('users'),
      projects: share('projects'),
      datasets: share('datasets'),
      contexts: share('contexts'),
    });
    this.tags = new InheritedTags(filter.tagNames, share('tags'));
  }

  /** Estimated bytes held by every cache together; never above `cacheMaxBytes` (one entry aside). */
  get cacheBytes(): number {
    return this.tree.bytes + this.names.bytes + this.tags.bytes;
  }

  /**
   * A function of the batch and the state before it: the tree edges and sequence numbers it
   * changes are kept only when it succeeds, so a batch retried after a failed read (the
   * pipeline retries transient errors in place) gives the same events as a run without the
   * failure. What the caches read from the database stays: it is the database's state.
   */
  async enrich(batch: Batch): Promise<EnrichResult> {
    this.tree.begin();
    try {
      const result = await this.enrichBatch(batch);
      this.tree.commit();
      return result;
    } catch (err) {
      this.tree.rollback();
      throw err;
    }
  }

  private async enrichBatch(batch: Batch): Promise<EnrichResult> {
    const unresolved = noneUnresolved();
    const seqBase = batch.part === 0 ? 0 : this.seqBase;
    const rows = batch.rows;
    await this.prefetch(rows);

    const events: FileEvent[] = [];
    const views = new SearchViews();
    const ancestors = new Map<number, EventAncestors>();
    let filtered = 0;
    const filteredBy: Record<string, number> = {};
    rows.forEach((row, index) => {
      const place = placeRow(this.tree, row);
      const at = { sourceName: this.config.sourceName, epoch: batch.epoch, seq: seqBase + index };
      const event = toFileEvent(row, at, place, this.names, unresolved);
      views.see(event, this.tree);
      const verdict = this.filter.decide(event, this.tags.of(row, this.tree));
      if (!verdict.keep) {
        filtered++;
        filteredBy[verdict.rule] = (filteredBy[verdict.rule] ?? 0) + 1;
        return;
      }
      events.push(event);
      ancestors.set(row.logId, {
        ancestorIds: this.tree.chain(row.parentId),
        oldAncestorIds: place.oldAncestorIds,
      });
      views.keep(event);
    });

    const read = await readCurrentStates(
      this.reader,
      views.upsertIds(),
      (id) => views.newestLogicalTime(id),
      this.config,
    );
    const dead = poisonRows(events, read, batch.epoch, this.config);
    const docs = await views.docs(read.states, this.tree, this.reader);
    const deadIds = new Set(dead.map((d) => d.logId));
    this.seqBase = seqBase + rows.length;
    this.metrics?.cacheBytes.set(this.cacheBytes);
    for (const [field, count] of Object.entries(unresolved))
      if (count > 0) this.metrics?.unresolved.inc({ field }, count);
    return {
      events: dead.length ? events.filter((e) => !deadIds.has(e.logId)) : events,
      filtered,
      filteredBy,
      docs,
      deletes: views.deletes(),
      moves: views.moves,
      dead,
      ancestors,
    };
  }

  private async prefetch(rows: readonly LogRow[]): Promise<void> {
    const lookups = rows.flatMap((r) => (r.operation === 'RENAME' ? [r.parentId, r.inodeId] : [r.parentId]));
    // Hits: distinct inodes of the batch already cached; misses: edges loaded (ancestors too).
    const hits = [...new Set(lookups)].filter((id) => id > 0 && this.tree.get(id) !== undefined).length;
    const misses = await this.tree.ensure(lookups, this.reader);
    this.metrics?.cacheHits.inc({ cache: 'path' }, hits);
    this.metrics?.cacheMisses.inc({ cache: 'path' }, misses);
    const counted =
      (cache: string): Counted =>
      (hits, missed) => {
        if (hits > 0) this.metrics?.cacheHits.inc({ cache }, hits);
        if (missed > 0) this.metrics?.cacheMisses.inc({ cache }, missed);
      };
    // Tags after the edges: an inode inherits from ancestors the tree has just loaded.
    await Promise.all([
      this.names.prefetch(rows, this.reader, counted),
      this.tags.prefetch(rows, this.tree, this.reader),
    ]);
  }
}
