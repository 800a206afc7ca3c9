import { Operation, type InodeState } from '@epipe/core';
import type { Edge, MetadataReader } from '@epipe/enrich';
import type { EventFilter } from '@epipe/filter';
import { inodeDoc, type IndexRebuilder, type InodeDoc } from '@epipe/sink-elastic';
import type { Pool, RowDataPacket } from 'mysql2/promise';

const ROOT_ID = 1;
const NAME_OF = new Map<number, string>(Object.entries(Operation).map(([name, code]) => [code, name]));
/** Rounds of "an ancestor moved while this page was copied" before giving up on a page. */
const FIX_ROUNDS = 8;

export interface CopyProgress {
  /** Inodes read from the database (written, or left out by the filter). */
  copied: number;
  total: number;
  fixed: number;
  /** Inodes the path and tag rules leave out of the index, as the daemon does. */
  filtered: number;
}

/** The daemon's path and tag rules; operation rules cannot apply to current state. */
export type StateFilter = Pick<EventFilter, 'tagNames' | 'decidePath'>;

export interface CopyOptions {
  pageSize: number;
  maxXattrBytes: number;
  logTable: string;
  /** Leave out what the daemon's rules leave out; absent: every live inode. */
  filter?: StateFilter;
  signal?: AbortSignal;
  onProgress?: (p: CopyProgress) => void;
}

/**
 * Copies every inode's current state from the database into the rebuilder's new index, page by
 * page in id order; then checks, after each page is written and refreshed, that the edges its
 * paths were built from still hold, and rewrites the documents below any that moved (see the
 * reasoning in libs/sink-elastic/src/reindex.ts). Returns what it copied.
 */
export async function copyDatabase(
  pool: Pool,
  reader: MetadataReader,
  rebuilder: IndexRebuilder,
  options: CopyOptions,
): Promise<CopyProgress> {
  const [[count]] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM inodes WHERE id > ?', [
    ROOT_ID,
  ]);
  const progress: CopyProgress = { copied: 0, total: Number(count!.n), fixed: 0, filtered: 0 };
  let after = ROOT_ID;
  for (;;) {
    options.signal?.throwIfAborted();
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT id FROM inodes WHERE id > ? ORDER BY id LIMIT ?',
      [after, options.pageSize],
    );
    if (rows.length === 0) break;
    const ids = rows.map((r) => Number(r.id));
    after = ids.at(-1)!;
    let page = await buildDocs(pool, reader, rebuilder, ids, options);
    progress.filtered += page.built.length - page.docs.length;
    const written = await rebuilder.write(page.docs, 'copy');
    if (written.refused.length > 0)
      throw new Error(`the new index refused documents: ${written.refused.slice(0, 3).join('; ')}`);
    await rebuilder.refresh();
    for (let round = 1; ; round++) {
      const moved = await movedSince(reader, page.edges);
      // Left-out documents count too: a move can carry an inode into (or out of) the rules' paths.
      const affected = page.built
        .filter((d) => d.ancestorIds.some((a) => moved.has(a)))
        .map((d) => d.inodeId);
      if (affected.length === 0) break;
      if (round > FIX_ROUNDS)
        throw new Error(
          `directories above inodes ${affected.slice(0, 5).join(', ')} keep moving; run reindex again`,
        );
      page = await buildDocs(pool, reader, rebuilder, affected, options);
      // A document written before a move out of the rules' paths stays, as the daemon leaves it
      // (the move's event is filtered out, so the search sink never sees it).
      await rebuilder.write(page.docs, 'fix');
      await rebuilder.refresh();
      progress.fixed += page.docs.length;
    }
    progress.copied += ids.length;
    options.onProgress?.(progress);
  }
  return progress;
}

interface Page {
  /** What the index gets: `built`, less what the filter leaves out. */
  docs: InodeDoc[];
  built: InodeDoc[];
  /** The ancestor edges the paths were built from. */
  edges: Map<number, Edge>;
}

async function buildDocs(
  pool: Pool,
  reader: MetadataReader,
  rebuilder: IndexRebuilder,
  ids: number[],
  options: CopyOptions,
): Promise<Page> {
  const states = await reader.states(ids, options.maxXattrBytes);
  const edges = new Map<number, Edge>();
  let missing = [...new Set(states.map((s) => s.parentId))];
  while (missing.length > 0) {
    for (const e of await reader.edges(missing)) edges.set(e.inodeId, e);
    missing = [
      ...new Set(
        missing
          .map((id) => edges.get(id)?.parentId)
          .filter((p): p is number => p !== undefined && p > 0 && !edges.has(p)),
      ),
    ];
  }
  const last = await lastChanges(pool, options.logTable, states);
  const previous = await rebuilder.previous(states.filter((s) => !last.has(s.inodeId)).map((s) => s.inodeId));
  for (const s of states) {
    const p = previous.get(s.inodeId);
    if (p && p.logicalTime === s.logicalTime) last.set(s.inodeId, p);
  }
  const built: InodeDoc[] = [];
  for (const state of states) {
    const chain = ancestry(state.parentId, edges);
    if (chain === null) continue; // an ancestor is gone: a DELETE is on its way, the daemon applies it
    built.push(toDoc(state, chain, last.get(state.inodeId)));
  }
  const docs = options.filter ? await kept(reader, options.filter, built) : built;
  return { docs, built, edges };
}

/**
 * The documents the filter keeps, decided as the enricher decides for an event: on the path, and
 * on the rules' xattrs of the inode or else of its nearest ancestor that has any of them.
 */
async function kept(reader: MetadataReader, filter: StateFilter, docs: InodeDoc[]): Promise<InodeDoc[]> {
  const tags = new Map<number, Record<string, string>>();
  if (filter.tagNames.length > 0) {
    const ids = [...new Set(docs.flatMap((d) => [d.inodeId, ...d.ancestorIds]))];
    for (const name of filter.tagNames)
      for (const [id, value] of await reader.xattrValues(name, ids))
        tags.set(id, { ...tags.get(id), [name]: value });
  }
  const nearest = (d: InodeDoc): Record<string, string> | null => {
    if (tags.size === 0) return null;
    for (const id of [d.inodeId, ...[...d.ancestorIds].reverse()]) {
      const found = tags.get(id);
      if (found) return found;
    }
    return null;
  };
  return docs.filter((d) => filter.decidePath(d.path, nearest(d)).keep);
}

/** Root first: ids and names; null when the chain does not reach the root. */
function ancestry(parentId: number, edges: Map<number, Edge>): { ids: number[]; names: string[] } | null {
  const ids: number[] = [];
  const names: string[] = [];
  for (let at = parentId; at !== ROOT_ID;) {
    const e = edges.get(at);
    if (!e) return null;
    ids.push(at);
    names.push(e.name);
    at = e.parentId;
  }
  ids.push(ROOT_ID);
  return { ids: ids.reverse(), names: names.reverse() };
}

function toDoc(
  s: InodeState,
  chain: { ids: number[]; names: string[] },
  last: Pick<InodeDoc, 'lastOperation' | 'lastAppId' | 'lastCommitTsMs'> | undefined,
): InodeDoc {
  return inodeDoc(
    s,
    { path: `/${[...chain.names, s.name].join('/')}`, ancestorIds: chain.ids },
    {
      lastOperation: last?.lastOperation ?? 'UNKNOWN',
      lastAppId: last?.lastAppId ?? null,
      lastCommitTsMs: last?.lastCommitTsMs ?? s.mtimeMs,
    },
  );
}

/**
 * The last_* fields describe the change that made the current logical_time. The database keeps
 * no history, so they come from the row of that change while it still waits in the log table,
 * else from the old index's document when it describes that same logical_time. (If neither has
 * it, the daemon wrote that change into the new index already, and this copy's equal version
 * loses to it.)
 */
async function lastChanges(
  pool: Pool,
  logTable: string,
  states: InodeState[],
): Promise<Map<number, Pick<InodeDoc, 'lastOperation' | 'lastAppId' | 'lastCommitTsMs'>>> {
  const out = new Map<number, Pick<InodeDoc, 'lastOperation' | 'lastAppId' | 'lastCommitTsMs'>>();
  if (states.length === 0) return out;
  const want = new Map(states.map((s) => [s.inodeId, s.logicalTime]));
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT inode_id, operation, logical_time, app_id, commit_ts_ms FROM \`${logTable}\`
     WHERE inode_id IN (?) AND operation <> ? ORDER BY log_id`,
    [[...want.keys()], Operation.ACCESS],
  );
  for (const r of rows) {
    if (Number(r.logical_time) !== want.get(Number(r.inode_id))) continue;
    out.set(Number(r.inode_id), {
      lastOperation: NAME_OF.get(Number(r.operation)) ?? String(r.operation),
      lastAppId: r.app_id === null ? null : String(r.app_id),
      lastCommitTsMs: Number(r.commit_ts_ms),
    });
  }
  return out;
}

/** Ancestors whose edge (parent or name) changed since the page read it. */
async function movedSince(reader: MetadataReader, used: Map<number, Edge>): Promise<Set<number>> {
  const now = new Map((await reader.edges([...used.keys()])).map((e) => [e.inodeId, e]));
  const moved = new Set<number>();
  for (const [id, e] of used) {
    const n = now.get(id);
    if (!n || n.parentId !== e.parentId || n.name !== e.name) moved.add(id);
  }
  return moved;
}
