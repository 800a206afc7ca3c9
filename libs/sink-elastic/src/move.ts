import type { estypes } from '@elastic/elasticsearch';
import { EpipeError } from '@epipe/core';
import { moveWriteOp, splitBulks, type BulkOp } from './bulk';
import type { MoveChange } from './changes';
import { sendBulk, type SinkContext } from './context';
import { moveSourceThrough } from './doc';
import { INODE_FIELDS, type InodeSource } from './fields';
import { searchPages } from './paging';

export interface Rejection {
  change: MoveChange;
  reason: string;
}

/**
 * What the call's own writes left in the index, by document id: the document each applied
 * upsert carried (at its version, with how many of the call's moves came before it), or that it
 * is gone. The sink knows these without a search, which could not see them before a refresh.
 * Writes the cluster did not apply (newer state was there, or it refused them) are not here: the
 * stored document is found by the search like any other.
 */
export type WrittenDocs = Map<
  string,
  { source: InodeSource; version: number; movesBefore: number } | 'deleted'
>;

/** Re-reads of a descendant that keeps changing under the moves before giving up (retriable). */
const CONFLICT_ROUNDS = 4;
const MAX_PAGE = 1_000;
/** Directory ids per search; the cluster's default limit on a terms query is 65,536. */
const MAX_TERMS = 10_000;

/**
 * Rewrites every document a call's directory moves change, at the cost of those documents, not
 * of the number of moves. Why whole documents and not a script: the integ-test distribution of
 * Elasticsearch has neither painless nor update/delete-by-query (no modules beyond the core), and
 * production clusters may disable them too. Reading each document and writing it back whole,
 * versioned, works on any cluster:
 *
 * - the documents are found by ONE search, a `terms` on `ancestor_ids` over every moved
 *   directory (by id: a new directory that reuses an old name is not matched; not by the old
 *   path, which the enricher may not know), paged with search_after on inode_id. The union finds
 *   all: a document a later move changes had that directory among its ancestors before the call,
 *   or acquired it through an earlier move of the call, whose directory it then had before;
 * - every move of the call is applied in memory, in order, to each document (moveSourceThrough:
 *   nested moves and moves back compose; a move older than the document's path_epoch loses), and
 *   only documents that end elsewhere are written;
 * - the call's own writes are moved from memory (`written`), through the moves after them only,
 *   and their search hits are skipped: the search may show them as they were before the call;
 * - each is written back with version_type external_gte at the version it was read (or written)
 *   with, so the rewrite keeps the inode's logical_time as version and can never roll back a
 *   newer state; if one changed in between (409), it is read again and moved again.
 *
 * The caller refreshes before the search whenever anything was written since the last refresh
 * (other than the call's own writes), so the search finds it.
 */
export async function applyMoves(
  ctx: SinkContext,
  moves: readonly MoveChange[],
  written: WrittenDocs,
  signal?: AbortSignal,
): Promise<{ rewritten: number; rejected: Rejection[] }> {
  const rewriter = new Rewriter(ctx, moves, signal);
  const own: BulkOp[] = [];
  for (const [id, doc] of written) {
    if (doc === 'deleted') continue;
    const op = rewriter.op(id, doc.source, doc.version, doc.movesBefore);
    if (op) own.push(op);
  }
  // One page's rewrites in flight while the next page is read; marked handled at once, so a
  // failure surfaces when awaited, not as an unhandled rejection during the next search.
  let inFlight = rewriter.write(own);
  inFlight.catch(() => undefined);
  try {
    for await (const hits of descendantPages(ctx, moves, written, signal)) {
      const ops: BulkOp[] = [];
      for (const hit of hits) {
        if (hit._source === undefined || hit._version === undefined) continue;
        const op = rewriter.op(hit._id!, hit._source, hit._version, 0);
        if (op) ops.push(op);
      }
      await inFlight;
      inFlight = rewriter.write(ops);
      inFlight.catch(() => undefined);
    }
  } finally {
    await inFlight.catch(() => undefined);
  }
  await inFlight;
  return { rewritten: rewriter.rewritten, rejected: rewriter.rejected };
}

/**
 * The stored documents below any moved directory, a page at a time, each once, except the
 * call's own writes (moved from memory instead).
 */
async function* descendantPages(
  ctx: SinkContext,
  moves: readonly MoveChange[],
  written: WrittenDocs,
  signal?: AbortSignal,
): AsyncGenerator<estypes.SearchHit<InodeSource>[]> {
  const index = ctx.config.index;
  const pageSize = Math.max(1, Math.min(MAX_PAGE, ctx.config.bulkMaxDocs));
  const dirs = [...new Set(moves.map((m) => m.dirInodeId))];
  // Only with several searches can one document be found twice (and the second time as it was
  // before the first rewrite, which a search cannot see yet).
  const seen = dirs.length > MAX_TERMS ? new Set<string>() : undefined;
  for (let from = 0; from < dirs.length; from += MAX_TERMS) {
    const terms = dirs.slice(from, from + MAX_TERMS);
    const pages = searchPages<InodeSource>(
      {
        index,
        size: pageSize,
        query: { bool: { filter: [{ terms: { [INODE_FIELDS.ancestorIds]: terms } }] } },
        sort: [{ [INODE_FIELDS.inodeId]: 'asc' }],
        version: true,
        track_total_hits: false,
      },
      (body) =>
        ctx.request(
          'search for descendants of moved directories',
          (s) => ctx.client.search<InodeSource>(body, { signal: s }),
          signal,
        ),
    );
    for await (const hits of pages)
      yield hits.filter((hit) => {
        const id = hit._id;
        if (id === undefined || written.has(id) || seen?.has(id)) return false;
        seen?.add(id);
        return true;
      });
  }
}

/** Moves documents in memory and writes them back, re-reading those that changed meanwhile. */
class Rewriter {
  rewritten = 0;
  readonly rejected: Rejection[] = [];
  /** Per document written: the first of the moves that apply to it (after its own write). */
  private readonly firstMove = new Map<string, number>();

  constructor(
    private readonly ctx: SinkContext,
    private readonly moves: readonly MoveChange[],
    private readonly signal?: AbortSignal,
  ) {}

  /** The rewrite of a stored document, or undefined when the moves leave it where it is. */
  op(id: string, source: InodeSource, version: number, firstMove: number): BulkOp | undefined {
    const moved = moveSourceThrough(source, this.moves.slice(firstMove));
    if (!moved) return undefined;
    this.firstMove.set(id, firstMove);
    const change = this.moves[firstMove + moved.lastMove]!;
    return moveWriteOp(this.ctx.config.index, change, id, version, moved.source);
  }

  async write(ops: BulkOp[]): Promise<void> {
    const { ctx, signal } = this;
    let pending = ops;
    for (let round = 1; pending.length > 0; round++) {
      const bulks = splitBulks(pending, ctx.config.bulkMaxBytes, ctx.config.bulkMaxDocs);
      // Settle every bulk before reporting a failure, so no request outlives the call.
      const results = await Promise.allSettled(
        bulks.map((bulk) => ctx.queue.add(() => sendBulk(ctx, bulk, 'move', signal))),
      );
      const conflicts: BulkOp[] = [];
      results.forEach((result, i) => {
        if (result.status === 'rejected') throw result.reason;
        const outcome = result.value;
        for (const r of outcome.rejected)
          this.rejected.push({ change: r.op.change as MoveChange, reason: `inode ${r.op.id}: ${r.reason}` });
        conflicts.push(...outcome.conflicts);
        this.rewritten += bulks[i]!.length - outcome.rejected.length - outcome.conflicts.length;
      });
      if (conflicts.length === 0) break;
      if (round >= CONFLICT_ROUNDS) {
        throw new EpipeError(
          'SINK_ELASTIC',
          `moving ${describeMoves(this.moves)}: ${conflicts.length} document(s) kept changing`,
          { retriable: true },
        );
      }
      pending = await this.reread(conflicts.map((c) => c.id));
    }
  }

  /** The conflicting documents as they are now, moved again; those that read right are done. */
  private async reread(ids: string[]): Promise<BulkOp[]> {
    const index = this.ctx.config.index;
    const response = await this.ctx.request(
      'read moved documents again',
      (s) => this.ctx.client.mget<InodeSource>({ index, ids }, { signal: s }),
      this.signal,
    );
    const ops: BulkOp[] = [];
    for (const doc of response.docs) {
      if (!('found' in doc) || !doc.found || !doc._source || doc._version === undefined) continue;
      const op = this.op(doc._id, doc._source, doc._version, this.firstMove.get(doc._id) ?? 0);
      if (op) ops.push(op);
    }
    return ops;
  }
}

function describeMoves(moves: readonly MoveChange[]): string {
  const first = moves[0]!;
  const what = `${first.oldPath ?? `directory ${first.dirInodeId}`} to ${first.newPath}`;
  return moves.length === 1 ? what : `${what} and ${moves.length - 1} more director(ies)`;
}
