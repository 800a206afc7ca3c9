import type { estypes } from '@elastic/elasticsearch';
import { EpipeError } from '@epipe/core';
import { moveWriteOp, splitBulks, type BulkOp } from './bulk';
import type { MoveChange } from './changes';
import { sendBulk, type SinkContext } from './context';
import { moveSource } from './doc';
import { INODE_FIELDS, type InodeSource } from './fields';

export interface Rejection {
  change: MoveChange;
  reason: string;
}

/** Re-reads of a descendant that keeps changing under the move before giving up (retriable). */
const CONFLICT_ROUNDS = 4;
const MAX_PAGE = 1_000;

/**
 * Rewrites every descendant of a moved directory. Why whole documents and not a script: the
 * integ-test distribution of Elasticsearch has neither painless nor update/delete-by-query
 * (no modules beyond the core), and production clusters may disable them too. Reading each
 * descendant and writing it back whole, versioned, works on any cluster:
 *
 * - descendants are found by a term on `ancestor_ids` (the directory's id; a new directory that
 *   reuses the old name is not matched), paged with search_after on inode_id; not by the old
 *   path, which the enricher may not know (a rename replayed after a restart), and documents
 *   that already read right are skipped (moveSource);
 * - each is written back with version_type external_gte at the version it was read with, so the
 *   rewrite keeps the inode's logical_time as version and can never roll back a newer state; if
 *   one changed in between (409), it is read again and retried.
 *
 * The caller refreshes before, whenever anything was written since the last refresh (documents
 * written just before the move, or an earlier move's rewrites), so the search finds them.
 */
export async function rewriteDescendants(
  ctx: SinkContext,
  move: MoveChange,
  signal?: AbortSignal,
): Promise<{ rewritten: number; rejected: Rejection[] }> {
  const index = ctx.config.index;
  const pageSize = Math.max(1, Math.min(MAX_PAGE, ctx.config.bulkMaxDocs));
  const rejected: Rejection[] = [];
  let rewritten = 0;
  let searchAfter: estypes.SortResults | undefined;
  for (;;) {
    const page = await ctx.request(
      'search for descendants of a moved directory',
      (s) =>
        ctx.client.search<InodeSource>(
          {
            index,
            size: pageSize,
            query: {
              bool: {
                filter: [{ term: { [INODE_FIELDS.ancestorIds]: move.dirInodeId } }],
              },
            },
            sort: [{ [INODE_FIELDS.inodeId]: 'asc' }],
            ...(searchAfter ? { search_after: searchAfter } : {}),
            version: true,
            track_total_hits: false,
          },
          { signal: s },
        ),
      signal,
    );
    const hits = page.hits.hits;
    const ops: BulkOp[] = [];
    for (const hit of hits) {
      const moved = hit._source ? moveSource(hit._source, move) : undefined;
      if (moved && hit._id !== undefined && hit._version !== undefined) {
        ops.push(moveWriteOp(index, move, hit._id, hit._version, moved));
      }
    }
    rewritten += await writeMoved(ctx, move, ops, rejected, signal);
    if (hits.length < pageSize) break;
    searchAfter = hits[hits.length - 1]!.sort;
  }
  return { rewritten, rejected };
}

async function writeMoved(
  ctx: SinkContext,
  move: MoveChange,
  ops: BulkOp[],
  rejected: Rejection[],
  signal?: AbortSignal,
): Promise<number> {
  let written = 0;
  let pending = ops;
  for (let round = 1; pending.length > 0; round++) {
    const conflicts: BulkOp[] = [];
    for (const bulk of splitBulks(pending, ctx.config.bulkMaxBytes, ctx.config.bulkMaxDocs)) {
      const outcome = await sendBulk(ctx, bulk, 'move', signal);
      for (const r of outcome.rejected)
        rejected.push({ change: move, reason: `inode ${r.op.id}: ${r.reason}` });
      conflicts.push(...outcome.conflicts);
      written += bulk.length - outcome.rejected.length - outcome.conflicts.length;
    }
    if (conflicts.length === 0) break;
    if (round >= CONFLICT_ROUNDS) {
      throw new EpipeError(
        'SINK_ELASTIC',
        `moving ${move.oldPath ?? `directory ${move.dirInodeId}`} to ${move.newPath}: ${conflicts.length} descendant(s) kept changing`,
        { retriable: true },
      );
    }
    pending = await reread(
      ctx,
      move,
      conflicts.map((c) => c.id),
      signal,
    );
  }
  return written;
}

/** The conflicting descendants as they are now; those that read right already are done. */
async function reread(
  ctx: SinkContext,
  move: MoveChange,
  ids: string[],
  signal?: AbortSignal,
): Promise<BulkOp[]> {
  const index = ctx.config.index;
  const response = await ctx.request(
    'read moved descendants again',
    (s) => ctx.client.mget<InodeSource>({ index, ids }, { signal: s }),
    signal,
  );
  const ops: BulkOp[] = [];
  for (const doc of response.docs) {
    if (!('found' in doc) || !doc.found || !doc._source || doc._version === undefined) continue;
    const moved = moveSource(doc._source, move);
    if (moved) ops.push(moveWriteOp(index, move, doc._id, doc._version, moved));
  }
  return ops;
}
