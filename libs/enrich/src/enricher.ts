import {
  FILE_EVENT_SCHEMA,
  FILE_EVENT_SCHEMA_VERSION,
  type Batch,
  type DeadLetter,
  EventId,
  type ExecutionContext,
  type FileEvent,
  type InodeState,
  type LogRow,
  sleep,
} from '@epipe/core';
import { ByteBoundedCache, ENTRY_BYTES, FIELD_BYTES, OBJECT_BYTES, stringBytes } from './cache';
import type { EnrichMetrics } from './deps';
import { PathTree, joinPath } from './path-tree';
import type { MetadataReader } from './reader';

export interface EnrichConfig {
  /** Names the event ids' source (e.g. the metadata database). */
  sourceName: string;
  /**
   * What every cache of the enricher may hold together, in estimated bytes: half for the tree's
   * edges, a fifth for tags, the rest for execution contexts and names (see CACHE_SHARES).
   */
  cacheMaxBytes: number;
  /** Xattr values above this are refused: the row is dead-lettered, the document omits them. */
  maxXattrBytes: number;
  /**
   * How long states that lag behind their rows are read again before the inode is called an
   * orphan (see currentStates): a commit can become visible this long after its binlog event.
   */
  orphanWaitMs: number;
}

/** How the cache budget is split; the edges are asked for on every row, so they get most. */
const CACHE_SHARES = { edges: 0.5, tags: 0.2, contexts: 0.15, users: 0.05, projects: 0.05, datasets: 0.05 };

const numberKeyed =
  <V>(valueBytes: (v: V) => number) =>
  (_key: number, value: V): number =>
    ENTRY_BYTES + valueBytes(value);
const nameBytes = numberKeyed<string>(stringBytes);
const tagBytes = numberKeyed<Readonly<Record<string, string>> | null>((tags) =>
  tags === null
    ? 0
    : OBJECT_BYTES + Object.entries(tags).reduce((n, [k, v]) => n + stringBytes(k) + stringBytes(v), 0),
);
const contextBytes = (key: string, value: ExecutionContext | null): number =>
  ENTRY_BYTES +
  stringBytes(key) +
  (value === null
    ? 0
    : OBJECT_BYTES +
      8 * FIELD_BYTES +
      stringBytes(value.appId) +
      stringBytes(value.jobName) +
      stringBytes(value.pipelineName) +
      stringBytes(value.pipelineRun));

/** Pauses between re-reads: short first (most commits are visible within milliseconds). */
export function rereadDelays(totalMs: number): number[] {
  const delays: number[] = [];
  let spent = 0;
  for (let next = 5; spent < totalMs; next = Math.min(next * 2, 1_000)) {
    const delay = Math.min(next, totalMs - spent);
    delays.push(delay);
    spent += delay;
  }
  return delays;
}

/** Decides which events are published; the filter stage implements it. */
export interface EventFilter {
  /** The xattrs the rules read, on the inode or its nearest ancestor that has any of them. */
  readonly tagNames: readonly string[];
  /** `tags`: that nearest tagged inode's values of those xattrs, or null when none has them. */
  decide(event: FileEvent, tags: Readonly<Record<string, string>> | null): { keep: boolean; rule: string };
}

/** The state a search document shows: the inode now, where it is now. */
export interface DocView {
  state: InodeState;
  path: string | null;
  /** Ids from the root down to the parent. */
  ancestorIds: number[];
  /**
   * The inode's newest change in the batch. Its logical time is the document's version: the
   * state may already be newer, and then the event carrying that newer version rewrites the
   * document with its own last_* fields (a version taken from the state would make it a 409).
   */
  last: FileEvent;
}

export interface MoveView {
  dirInodeId: number;
  /** The batch's epoch: it orders this move against other moves of the same subtree. */
  epoch: number;
  /** Null when unknown: the edge cache already showed the new place (see enrich()). */
  oldPath: string | null;
  newPath: string;
  /** Ids from the root down to the moved directory itself, after the move. */
  newAncestorIds: number[];
}

export interface EnrichResult {
  /** Events that passed the filter, in batch order. */
  events: FileEvent[];
  filtered: number;
  /** Filtered rows by the rule that dropped them. */
  filteredBy?: Record<string, number>;
  docs: DocView[];
  deletes: { inodeId: number; logicalTime: number }[];
  moves: MoveView[];
  dead: DeadLetter[];
  /**
   * Per kept event (by log id), the inode ids from the root down to its parent, as the path
   * cache knew them when the row was read; for a rename also those at the old place (null when
   * unknown). The provenance stage finds an artifact's root directory in them without a lookup.
   */
  ancestors?: Map<number, EventAncestors>;
}

export interface EventAncestors {
  ancestorIds: number[] | null;
  oldAncestorIds: number[] | null;
}

const KEEP_ALL: EventFilter = { tagNames: [], decide: () => ({ keep: true, rule: 'kept' }) };

/**
 * Turns a batch's log rows into events with path, project, dataset, user and execution context,
 * and computes what the search index must show at the end of the batch. Lookups are batched (one
 * query per kind per batch) and cached; a missing context leaves a field empty.
 */
export class Enricher {
  private readonly tree: PathTree;
  private readonly users: ByteBoundedCache<number, string>;
  private readonly projects: ByteBoundedCache<number, string>;
  private readonly datasets: ByteBoundedCache<number, string>;
  private readonly contexts: ByteBoundedCache<string, ExecutionContext | null>;
  private readonly tags: ByteBoundedCache<number, Readonly<Record<string, string>> | null>;
  private seqBase = 0;
  /** Lookups that found nothing in this batch, by field; reported when it succeeds. */
  private unresolved = { path: 0, project: 0, dataset: 0, user: 0, app: 0 };

  constructor(
    private readonly config: EnrichConfig,
    private readonly reader: MetadataReader,
    private readonly filter: EventFilter = KEEP_ALL,
    private readonly metrics?: EnrichMetrics,
  ) {
    const share = (part: keyof typeof CACHE_SHARES): number => config.cacheMaxBytes * CACHE_SHARES[part];
    this.tree = new PathTree(share('edges'));
    this.users = new ByteBoundedCache(share('users'), nameBytes);
    this.projects = new ByteBoundedCache(share('projects'), nameBytes);
    this.datasets = new ByteBoundedCache(share('datasets'), nameBytes);
    this.contexts = new ByteBoundedCache(share('contexts'), contextBytes);
    this.tags = new ByteBoundedCache(share('tags'), tagBytes);
  }

  /** Estimated bytes held by every cache together; never above `cacheMaxBytes` (one entry aside). */
  get cacheBytes(): number {
    return (
      this.tree.bytes +
      this.users.bytes +
      this.projects.bytes +
      this.datasets.bytes +
      this.contexts.bytes +
      this.tags.bytes
    );
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
    this.unresolved = { path: 0, project: 0, dataset: 0, user: 0, app: 0 };
    const seqBase = batch.part === 0 ? 0 : this.seqBase;
    const rows = batch.rows;
    await this.prefetch(rows);

    const events: FileEvent[] = [];
    // The newest kept change of each inode (reads change nothing the index shows): the search
    // document takes its version and its last_* fields from this one event, so a document that
    // loses a version race (409) keeps fields that belong together.
    const lastWritten = new Map<number, FileEvent>();
    // Filters decide what is published, never that the index keeps a gone inode or a stale
    // path: deletes and directory moves reach the search sink whether or not their event passes.
    const deletedAll = new Map<number, number>();
    const moves: MoveView[] = [];
    const ancestors = new Map<number, EventAncestors>();
    let filtered = 0;
    const filteredBy: Record<string, number> = {};
    rows.forEach((row, index) => {
      const cached = row.operation === 'RENAME' ? this.tree.path(row.inodeId) : null;
      const parentPath = this.tree.path(row.parentId);
      const path = parentPath === null ? null : joinPath(parentPath, row.name);
      // Before a rename the cache shows where the inode was, unless its edge was read from the
      // database after the rename committed (a cold cache after a restart replays old rows):
      // then it shows the new place already, and the old one is unknown.
      const oldPath = cached !== path ? cached : null;
      const oldParentId = oldPath === null ? undefined : this.tree.get(row.inodeId)?.parentId;
      const oldAncestorIds = oldParentId === undefined ? null : this.tree.chain(oldParentId);
      if (row.operation === 'DELETE') this.tree.delete(row.inodeId);
      else this.tree.set({ inodeId: row.inodeId, parentId: row.parentId, name: row.name, isDir: row.isDir });
      const event = this.toEvent(row, batch.epoch, seqBase + index, path, oldPath);
      if (row.operation === 'DELETE') deletedAll.set(row.inodeId, row.logicalTime);
      // Sent whether or not the old path is known: the search sink finds the descendants by the
      // directory's id, so a replayed rename still fixes the documents written before it.
      if (row.operation === 'RENAME' && row.isDir && path !== null) {
        moves.push({
          dirInodeId: row.inodeId,
          epoch: batch.epoch,
          oldPath,
          newPath: path,
          newAncestorIds: this.tree.chain(row.inodeId) ?? [],
        });
      }
      const verdict = this.filter.decide(event, this.tagOf(row));
      if (!verdict.keep) {
        filtered++;
        filteredBy[verdict.rule] = (filteredBy[verdict.rule] ?? 0) + 1;
        return;
      }
      events.push(event);
      ancestors.set(row.logId, { ancestorIds: this.tree.chain(row.parentId), oldAncestorIds });
      if (row.operation !== 'ACCESS') lastWritten.set(row.inodeId, event);
    });

    const deletes: EnrichResult['deletes'] = [];
    const upsertIds: number[] = [];
    for (const [inodeId, logicalTime] of deletedAll) deletes.push({ inodeId, logicalTime });
    for (const [inodeId, event] of lastWritten) {
      if (event.operation !== 'DELETE' && !deletedAll.has(inodeId)) upsertIds.push(inodeId);
    }
    const { states, orphans, waitedMs } = await this.currentStates(upsertIds, lastWritten);
    const dead = this.poisonOf(events, states, orphans, waitedMs, batch.epoch);
    const docs = await this.docs(states, lastWritten);
    const deadIds = new Set(dead.map((d) => d.logId));
    this.seqBase = seqBase + rows.length;
    this.metrics?.cacheBytes.set(this.cacheBytes);
    for (const [field, count] of Object.entries(this.unresolved))
      if (count > 0) this.metrics?.unresolved.inc({ field }, count);
    return {
      events: dead.length ? events.filter((e) => !deadIds.has(e.logId)) : events,
      filtered,
      filteredBy,
      docs,
      deletes,
      moves,
      dead,
      ancestors,
    };
  }

  /**
   * The current state of each written inode, at least as new as its newest row in the batch, and
   * the inodes gone without a pending DELETE (orphans).
   *
   * MariaDB writes a transaction to the binlog, and so streams it to epipe, before its InnoDB
   * commit is visible to other sessions (two-phase commit: binlog first, engine second). A lookup
   * made right after the event can miss the change: the inode not there yet, or its previous
   * version. Such reads are repeated for a moment; an inode still missing then, with no DELETE in
   * the log table, is an orphan. A gone inode with a DELETE pending is normal and not re-read.
   */
  private async currentStates(
    ids: number[],
    lastWritten: Map<number, FileEvent>,
  ): Promise<{ states: InodeState[]; orphans: Set<number>; waitedMs: number }> {
    const delays = rereadDelays(this.config.orphanWaitMs);
    const started = Date.now();
    const found = new Map<number, InodeState>();
    let orphans = new Set<number>();
    let pending = ids;
    for (let attempt = 0; pending.length > 0; attempt++) {
      for (const s of await this.reader.states(pending, this.config.maxXattrBytes)) found.set(s.inodeId, s);
      const missing = pending.filter((id) => !found.has(id));
      const deleted = missing.length > 0 ? await this.reader.pendingDeletes(missing) : new Set<number>();
      orphans = new Set(missing.filter((id) => !deleted.has(id)));
      pending = pending.filter((id) => {
        const state = found.get(id);
        return state ? state.logicalTime < lastWritten.get(id)!.logicalTime : orphans.has(id);
      });
      const delay = delays[attempt];
      if (pending.length === 0 || delay === undefined) break;
      await sleep(delay);
    }
    return { states: ids.flatMap((id) => found.get(id) ?? []), orphans, waitedMs: Date.now() - started };
  }

  /**
   * Rows that cannot be delivered: their inode is gone although no DELETE is pending (a DELETE
   * always follows in the log when the name node removed it, so this is corruption), or they
   * set an xattr whose value is over the limit. They go to the dead-letter topic.
   */
  private poisonOf(
    events: FileEvent[],
    states: InodeState[],
    orphans: Set<number>,
    waitedMs: number,
    epoch: number,
  ): DeadLetter[] {
    const dead: DeadLetter[] = [];
    const found = new Map(states.map((s) => [s.inodeId, s]));
    for (const event of events) {
      if (orphans.has(event.inodeId)) {
        dead.push(
          letter(
            event,
            epoch,
            `inode ${event.inodeId} no longer exists and no DELETE for it is pending (read again for ${waitedMs} ms, enrich.orphanWaitMs ${this.config.orphanWaitMs})`,
          ),
        );
        continue;
      }
      const big = found.get(event.inodeId)?.oversizedXattrs;
      if (
        !big ||
        event.xattrName === null ||
        (event.operation !== 'XATTR_ADD' && event.operation !== 'XATTR_UPDATE')
      ) {
        continue;
      }
      const name = event.xattrName;
      const key = Object.keys(big).find((k) => k === name || k.endsWith(`.${name}`));
      if (key !== undefined) {
        dead.push(
          letter(
            event,
            epoch,
            `xattr ${key} of inode ${event.inodeId} is ${big[key]} bytes, over the ${this.config.maxXattrBytes}-byte limit`,
          ),
        );
      }
    }
    return dead;
  }

  private async docs(states: InodeState[], lastWritten: Map<number, FileEvent>): Promise<DocView[]> {
    // States are current, so their parents may be directories this batch has not seen.
    await this.tree.ensure(
      states.map((s) => s.parentId),
      this.reader,
    );
    return states.map((state) => {
      const parentPath = this.tree.path(state.parentId);
      return {
        state,
        path: parentPath === null ? null : joinPath(parentPath, state.name),
        ancestorIds: this.tree.chain(state.parentId) ?? [],
        last: lastWritten.get(state.inodeId)!,
      };
    });
  }

  private async prefetch(rows: readonly LogRow[]): Promise<void> {
    const lookups = rows.flatMap((r) => (r.operation === 'RENAME' ? [r.parentId, r.inodeId] : [r.parentId]));
    // Hits: distinct inodes of the batch already cached; misses: edges loaded (ancestors too).
    const hits = [...new Set(lookups)].filter((id) => id > 0 && this.tree.get(id) !== undefined).length;
    const misses = await this.tree.ensure(lookups, this.reader);
    this.metrics?.cacheHits.inc({ cache: 'path' }, hits);
    this.metrics?.cacheMisses.inc({ cache: 'path' }, misses);
    const counted = (cache: string) => (hits: number, missed: number) => {
      if (hits > 0) this.metrics?.cacheHits.inc({ cache }, hits);
      if (missed > 0) this.metrics?.cacheMisses.inc({ cache }, missed);
    };
    await Promise.all([
      fill(
        this.users,
        rows.map((r) => r.userId),
        (ids) => this.reader.userNames(ids),
        counted('user'),
      ),
      fill(
        this.projects,
        ids(rows.map((r) => r.projectId)),
        (ids) => this.reader.projectNames(ids),
        counted('project'),
      ),
      fill(
        this.datasets,
        ids(rows.map((r) => r.datasetId)),
        (ids) => this.reader.datasetNames(ids),
        counted('dataset'),
      ),
      fillNullable(
        this.contexts,
        ids(rows.map((r) => r.appId)),
        (ids) => this.reader.contexts(ids),
        counted('context'),
      ),
      this.prefetchTags(rows),
    ]);
  }

  private async prefetchTags(rows: readonly LogRow[]): Promise<void> {
    const tagNames = this.filter.tagNames;
    if (tagNames.length === 0) return;
    // A tag changed in this batch is re-read: the batch sees the tag's newest value.
    for (const r of rows)
      if (r.xattrName !== null && tagNames.includes(r.xattrName)) this.tags.delete(r.inodeId);
    const wanted = new Set<number>();
    for (const r of rows) {
      wanted.add(r.inodeId);
      for (const id of this.tree.chain(r.parentId) ?? []) wanted.add(id);
    }
    await fillNullable(this.tags, [...wanted], async (ids) => {
      const byInode = new Map<number, Record<string, string>>();
      const values = await Promise.all(tagNames.map((name) => this.reader.xattrValues(name, ids)));
      values.forEach((found, i) => {
        for (const [id, value] of found) byInode.set(id, { ...byInode.get(id), [tagNames[i]!]: value });
      });
      return byInode;
    });
  }

  /** The rules' xattrs on the inode, or else on its nearest ancestor that has any of them. */
  private tagOf(row: LogRow): Readonly<Record<string, string>> | null {
    if (this.filter.tagNames.length === 0) return null;
    const own = this.tags.get(row.inodeId);
    if (own) return own;
    const chain = this.tree.chain(row.parentId) ?? [];
    for (let i = chain.length - 1; i >= 0; i--) {
      const tags = this.tags.get(chain[i]!);
      if (tags) return tags;
    }
    return null;
  }

  private toEvent(
    row: LogRow,
    epoch: number,
    seq: number,
    path: string | null,
    oldPath: string | null,
  ): FileEvent {
    const fromPath = namesFromPath(path ?? oldPath);
    const project = row.projectId === null ? null : (this.projects.get(row.projectId) ?? fromPath.project);
    const dataset = row.datasetId === null ? null : (this.datasets.get(row.datasetId) ?? fromPath.dataset);
    const user = this.users.get(row.userId) ?? null;
    const context = row.appId === null ? null : this.contexts.get(row.appId);
    const unresolved = this.unresolved;
    if (path === null) unresolved.path++;
    if (row.projectId !== null && project === null) unresolved.project++;
    if (row.datasetId !== null && dataset === null) unresolved.dataset++;
    if (user === null) unresolved.user++;
    if (row.appId !== null && !context) unresolved.app++;
    return {
      schema: FILE_EVENT_SCHEMA,
      schemaVersion: FILE_EVENT_SCHEMA_VERSION,
      eventId: new EventId(this.config.sourceName, row.logId).toString(),
      epoch,
      seq,
      logId: row.logId,
      inodeId: row.inodeId,
      parentId: row.parentId,
      logicalTime: row.logicalTime,
      operation: row.operation,
      isDir: row.isDir,
      name: row.name,
      path,
      oldPath,
      project: row.projectId === null ? null : { id: row.projectId, name: project },
      dataset: row.datasetId === null ? null : { id: row.datasetId, name: dataset },
      user: { id: row.userId, name: user },
      xattrName: row.xattrName,
      app: row.appId === null ? null : (context ?? emptyContext(row.appId)),
      commitTsMs: row.commitTsMs,
    };
  }
}

function letter(event: FileEvent, epoch: number, reason: string): DeadLetter {
  return { logId: event.logId, inodeId: event.inodeId, stage: 'enrich', reason, row: event, epoch };
}

/**
 * A project is `/Projects/<project>`, a dataset a directory below it: when the projects or
 * datasets row is gone (a deleted dataset's rows still in the log), the path still names them.
 */
export function namesFromPath(path: string | null): { project: string | null; dataset: string | null } {
  const segments = path?.split('/') ?? [];
  if (segments[1] !== 'Projects') return { project: null, dataset: null };
  return { project: segments[2] || null, dataset: segments[3] || null };
}

function emptyContext(appId: string): ExecutionContext {
  return {
    appId,
    jobId: null,
    jobName: null,
    jobProject: null,
    jobExecutionId: null,
    pipelineName: null,
    pipelineRunId: null,
    pipelineRun: null,
  };
}

function ids<T>(values: (T | null)[]): T[] {
  return values.filter((v): v is T => v !== null);
}

type Counted = (hits: number, misses: number) => void;

async function fill<K, V>(
  cache: ByteBoundedCache<K, V>,
  keys: K[],
  load: (keys: K[]) => Promise<Map<K, V>>,
  count?: Counted,
): Promise<void> {
  const unique = [...new Set(keys)];
  const missing = unique.filter((k) => !cache.has(k));
  count?.(unique.length - missing.length, missing.length);
  if (missing.length === 0) return;
  for (const [k, v] of await load(missing)) cache.set(k, v);
}

/** Like fill, but remembers "not found" too, so an unknown key is not asked for again and again. */
async function fillNullable<K, V>(
  cache: ByteBoundedCache<K, V | null>,
  keys: K[],
  load: (keys: K[]) => Promise<Map<K, V>>,
  count?: Counted,
): Promise<void> {
  const unique = [...new Set(keys)];
  const missing = unique.filter((k) => !cache.has(k));
  count?.(unique.length - missing.length, missing.length);
  if (missing.length === 0) return;
  const found = await load(missing);
  for (const k of missing) cache.set(k, found.get(k) ?? null);
}
