import type { Batch, FileEvent, LogRow } from '@epipe/core';
import type { Counted } from './cache';
import type { EnrichConfig } from './config';
import type { EnrichMetrics } from './deps';
import { SearchViews } from './doc-views';
import { type EventFilter, KEEP_ALL } from './event-filter';
import { noneUnresolved, toFileEvent } from './file-event';
import { NameCaches } from './names';
import { placeRow, type RowPlace } from './old-path';
import { PathTree } from './path-tree';
import { poisonRows } from './poison';
import type { MetadataReader } from './reader';
import { readCurrentStates } from './reread';
import type { EnrichResult, EventAncestors } from './result';
import { type ResyncView, type SubtreePage, readSubtree } from './subtree';
import { InheritedTags } from './tags';

/**
 * Directories remembered as read again in this lifetime (see mayMoveDescendants): past this
 * many, every rename of a scoped filter reads its subtree again, as it would without the set.
 */
export const MAX_RESYNCED_DIRS = 100_000;

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
  /**
   * Directories whose subtree this lifetime asked to read again. Their reads see the database
   * when they run, possibly after a later rename took a directory out from below them (the read
   * misses it, as the index still judges it from before): a rename below one is never trusted
   * to change nothing. A new lifetime starts with a cold path cache, so any rename committed
   * before it has an unknown old place, which counts as a change anyway.
   */
  private readonly resynced = new Set<number>();
  private resyncedOverflow = false;

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
    // Directories whose descendants may have crossed the boundary: id -> the row that says so.
    const crossed = new Map<number, number>();
    // The tag cache shows the batch's newest values, not those at each row: with a tag rule's
    // xattr changed in the batch, a rename cannot tell what its descendants inherited before.
    const tagsChanged = rows.some((r) => this.isTagChange(r));
    let filtered = 0;
    const filteredBy: Record<string, number> = {};
    rows.forEach((row, index) => {
      const place = placeRow(this.tree, row);
      const at = { sourceName: this.config.sourceName, epoch: batch.epoch, seq: seqBase + index };
      const event = toFileEvent(row, at, place, this.names, unresolved);
      views.see(event, this.tree);
      const tags = this.tags.of(row, this.tree);
      const verdict = this.filter.decide(event, tags);
      // What the index holds follows the path and tag rules, whatever the operation rules publish.
      const covered = this.filter.covers ? this.filter.covers(event.path, tags) : verdict.keep;
      const crossing = this.mayCross(row);
      if (covered) views.cover(event);
      else views.uncover(event, crossing);
      if (crossing && row.isDir && this.mayMoveDescendants(row, place, tagsChanged)) {
        crossed.set(row.inodeId, row.logId);
        this.rememberResynced(row.inodeId);
      }
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
    });
    const resyncs = this.resyncViews(crossed, batch.epoch);

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
      uncovered: views.uncovered(),
      moves: views.moves,
      resyncs,
      dead,
      ancestors,
    };
  }

  /**
   * The covered descendants of a directory that crossed the boundary, read from the database
   * page by page (see readSubtree); nothing when the filters cannot leave an inode out.
   */
  subtree(view: ResyncView): AsyncIterable<SubtreePage> {
    const filter = this.filter;
    if (!filter.covers) return (async function* () {})();
    const covers = filter.covers.bind(filter);
    return readSubtree(
      view,
      this.reader,
      { tagNames: filter.tagNames, covers },
      { maxXattrBytes: this.config.maxXattrBytes },
    );
  }

  /**
   * Whether the row can move its inode, and everything below it, across the filters' boundary:
   * a rename (a new path for the globs, new ancestors for the tags) or a change of a tag rule's
   * xattr. Only when some path or tag rule can leave an inode out at all.
   */
  private mayCross(row: LogRow): boolean {
    if (!this.filter.scoped) return false;
    return row.operation === 'RENAME' || this.isTagChange(row);
  }

  private isTagChange(row: LogRow): boolean {
    const xattrChange =
      row.operation === 'XATTR_ADD' || row.operation === 'XATTR_UPDATE' || row.operation === 'XATTR_DELETE';
    return xattrChange && row.xattrName !== null && this.filter.tagNames.includes(row.xattrName);
  }

  /**
   * Whether a directory's row (one that mayCross) can take descendants across the boundary, so
   * its subtree must be read again. A tag change can. A rename can unless the filter is sure the
   * old and the new place judge every descendant alike (a move inside a covered area); whatever
   * is unknown (the old place, a tag not cached, the tags changing in this batch, a subtree
   * read again above either place in this lifetime) counts as can.
   * Moves in a row compose: each is judged from where the previous one left the directory.
   */
  private mayMoveDescendants(row: LogRow, place: RowPlace, tagsChanged: boolean): boolean {
    if (row.operation !== 'RENAME' || tagsChanged || !this.filter.movesCoverage) return true;
    const newChain = this.tree.chain(row.inodeId);
    if (place.path === null || place.oldPath === null || place.oldAncestorIds === null || newChain === null)
      return true;
    if (this.resyncedOverflow || [...place.oldAncestorIds, ...newChain].some((id) => this.resynced.has(id)))
      return true;
    // The directory's own tags move with it: the chains end with it at both places.
    const fromTags = this.tags.nearest([...place.oldAncestorIds, row.inodeId]);
    const toTags = this.tags.nearest(newChain);
    if (fromTags === undefined || toTags === undefined) return true;
    return this.filter.movesCoverage(
      { path: place.oldPath, tags: fromTags },
      { path: place.path, tags: toTags },
    );
  }

  /**
   * Taken at the end of the batch (the tree shows where each directory is now; a deleted one is
   * gone from it and needs nothing), outermost directories only: reading one reads what is
   * below it. Rows replayed after a restart derive the same views, so a resync cut short by a
   * crash (its rows were not acknowledged) happens again.
   */
  private resyncViews(crossed: Map<number, number>, epoch: number): ResyncView[] {
    const views: ResyncView[] = [];
    for (const [dirInodeId, logId] of crossed) {
      const chain = this.tree.chain(dirInodeId);
      const path = this.tree.path(dirInodeId);
      const edge = this.tree.get(dirInodeId);
      if (chain === null || path === null || edge === undefined) continue;
      if (chain.slice(0, -1).some((id) => crossed.has(id))) continue;
      const tags = this.tags.at(dirInodeId, edge.parentId, this.tree);
      views.push({ dirInodeId, logId, epoch, path, ancestorIds: chain, tags });
    }
    return views;
  }

  private rememberResynced(dirInodeId: number): void {
    if (this.resynced.size >= MAX_RESYNCED_DIRS) this.resyncedOverflow = true;
    else this.resynced.add(dirInodeId);
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
