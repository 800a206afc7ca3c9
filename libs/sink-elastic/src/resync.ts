import type { estypes } from '@elastic/elasticsearch';
import { bulkOp, splitBulks, type BulkOp } from './bulk';
import type { InodeChange } from './changes';
import { sendBulk, type SinkContext } from './context';
import { buildInodeSource, inodeDocId, type InodeDoc } from './doc';
import { INODE_FIELDS } from './fields';

/**
 * A page of a subtree whose descendants may have entered or left what the filters cover (a
 * directory moved across the boundary, a tag switched): none of them has a log row saying so,
 * so their states come from the database.
 */
export interface SubtreePage {
  /** Covered descendants, at their current state: the index must hold each, at least this new. */
  docs: InodeDoc[];
  /** Descendants the filters do not cover: the index must hold no document of theirs. */
  absent: number[];
}

/** What one page did to the index: each covered or formerly indexed descendant counts once. */
export interface SubtreeOutcome {
  /** Covered descendants written (missing, or older than the state read). */
  written: number;
  /** Covered descendants whose document was as new already. */
  kept: number;
  /** Uncovered descendants whose document was deleted. */
  deleted: number;
  rejected: { change: InodeChange; reason: string }[];
}

/**
 * Makes the index hold exactly a page's covered descendants. Documents are read first (the
 * caller refreshes before, so writes of this batch are found), then:
 *
 * - a covered inode with no document, or an older one, is written whole at its logical time
 *   with `external_gte`: the equal version gets past the tombstone an earlier "left the
 *   boundary" delete at that same version left, and is refused only by newer state;
 * - a covered inode whose document is as new already keeps it: it carries the last_* fields of
 *   its own change, which a state read from the database no longer knows, and the move that
 *   came before this resync fixed its path;
 * - an uncovered inode's document is deleted at the version it was read with (`external_gte`
 *   again: a newer write in between wins).
 *
 * Every write is versioned, so replaying a page (a retry, a restart that replays the move) is
 * harmless.
 */
export async function syncSubtreePage(
  ctx: SinkContext,
  page: SubtreePage,
  signal?: AbortSignal,
): Promise<SubtreeOutcome> {
  const index = ctx.config.index;
  const outcome: SubtreeOutcome = { written: 0, kept: 0, deleted: 0, rejected: [] };
  const ids = [...page.docs.map((d) => d.inodeId), ...page.absent];
  if (ids.length === 0) return outcome;
  const stored = await storedVersions(ctx, ids, signal);
  const ops: BulkOp[] = [];
  for (const doc of page.docs) {
    const version = stored.get(doc.inodeId);
    if (version !== undefined && version >= doc.logicalTime) {
      outcome.kept++;
      continue;
    }
    const id = inodeDocId(doc.inodeId);
    const action: estypes.BulkOperationContainer = {
      index: { _index: index, _id: id, version: doc.logicalTime, version_type: 'external_gte' },
    };
    ops.push(bulkOp({ kind: 'upsert', doc }, action, id, buildInodeSource(doc)));
  }
  for (const inodeId of page.absent) {
    const version = stored.get(inodeId);
    if (version === undefined) continue;
    const id = inodeDocId(inodeId);
    const action: estypes.BulkOperationContainer = {
      delete: { _index: index, _id: id, version, version_type: 'external_gte' },
    };
    ops.push(bulkOp({ kind: 'delete', inodeId, logicalTime: version }, action, id));
  }
  for (const bulk of splitBulks(ops, ctx.config.bulkMaxBytes, ctx.config.bulkMaxDocs)) {
    const result = await sendBulk(ctx, bulk, 'write', signal);
    const refused = new Set(result.rejected.map((r) => r.op));
    for (const r of result.rejected) outcome.rejected.push({ change: r.op.change, reason: r.reason });
    for (const op of bulk) {
      if (refused.has(op)) continue;
      if (op.change.kind === 'delete') outcome.deleted++;
      else outcome.written++;
    }
  }
  return outcome;
}

/**
 * The stored version of each of these documents that exists. A search, not a multi-get: the
 * index is an alias, which may span two indices while a rebuild runs, and then the newer wins.
 */
async function storedVersions(
  ctx: SinkContext,
  inodeIds: number[],
  signal?: AbortSignal,
): Promise<Map<number, number>> {
  const response = await ctx.request(
    'read the documents of a subtree',
    (s) =>
      ctx.client.search(
        {
          index: ctx.config.index,
          size: inodeIds.length * 2,
          query: { ids: { values: inodeIds.map(inodeDocId) } },
          _source: [INODE_FIELDS.inodeId],
          version: true,
          track_total_hits: false,
        },
        { signal: s },
      ),
    signal,
  );
  const out = new Map<number, number>();
  for (const hit of response.hits.hits) {
    if (hit._id === undefined || hit._version === undefined) continue;
    const id = Number(hit._id);
    out.set(id, Math.max(out.get(id) ?? 0, hit._version));
  }
  return out;
}
