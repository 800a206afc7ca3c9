import type { EnrichResult } from '@epipe/enrich';
import { inodeDoc, type InodeChange } from '@epipe/sink-elastic';

/**
 * What the search index must do for one batch: deletes and whole-document upserts first (each
 * document is the inode's current state, versioned by the change it describes), then directory
 * moves in the order they happened, which fix the paths of documents written by earlier batches.
 */
export function searchChanges(result: EnrichResult): InodeChange[] {
  const changes: InodeChange[] = [];
  for (const d of result.deletes)
    changes.push({ kind: 'delete', inodeId: d.inodeId, logicalTime: d.logicalTime });
  // Live, but outside what the filters cover now: versioned like a delete, so the inode's next
  // covered change (or a resync of its directory at this same version) writes it again.
  for (const u of result.uncovered ?? [])
    changes.push({ kind: 'delete', inodeId: u.inodeId, logicalTime: u.logicalTime });
  for (const doc of result.docs) {
    if (doc.path === null) continue; // unknown ancestors: a later event or move will write it
    changes.push({
      kind: 'upsert',
      doc: inodeDoc(
        doc.state,
        { path: doc.path, ancestorIds: doc.ancestorIds },
        {
          // The version of the change the last_* fields describe (see DocView.last).
          logicalTime: doc.last.logicalTime,
          lastOperation: doc.last.operation,
          lastAppId: doc.last.app?.appId ?? null,
          lastCommitTsMs: doc.last.commitTsMs,
          pathEpoch: doc.last.epoch,
        },
      ),
    });
  }
  for (const m of result.moves) {
    changes.push({
      kind: 'move',
      dirInodeId: m.dirInodeId,
      epoch: m.epoch,
      oldPath: m.oldPath,
      newPath: m.newPath,
      // The enricher's chain ends with the directory itself; the sink wants its ancestors only
      // (it appends the directory), or every move would repeat the id in each descendant.
      newAncestorIds: m.newAncestorIds.slice(0, -1),
    });
  }
  return changes;
}
