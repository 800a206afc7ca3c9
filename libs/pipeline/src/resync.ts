import type { ResyncView, SubtreeDoc, SubtreePage } from '@epipe/enrich';
import {
  inodeDoc,
  type InodeChange,
  type InodeDoc,
  type SubtreePage as IndexPage,
  type SubtreeOutcome as IndexOutcome,
} from '@epipe/sink-elastic';

/**
 * The operation a document written from the database alone names as its last change: the row of
 * that change was filtered (the inode was outside the boundary then) and is deleted, and the
 * database keeps no history (the same convention as `epipe reindex`).
 */
export const UNKNOWN_OPERATION = 'UNKNOWN';

/** Reads a subtree's descendants page by page (the enricher's readSubtree). */
export interface SubtreeReader {
  subtree(view: ResyncView): AsyncIterable<SubtreePage>;
}

/** Makes the index hold exactly one page's covered descendants (the search sink's syncSubtree). */
export interface SubtreeIndexer {
  syncSubtree(page: IndexPage, signal?: AbortSignal): Promise<IndexOutcome>;
}

/** What the index did with the documents of a resync, by outcome (the metric's label). */
export type ResyncDocuments = Record<'written' | 'kept' | 'deleted' | 'rejected', number>;

export interface ResyncOutcome {
  pages: number;
  covered: number;
  uncovered: number;
  documents: ResyncDocuments;
  rejected: { view: ResyncView; change: InodeChange; reason: string }[];
}

/**
 * Brings the index up to date below each directory that crossed the filters' boundary in a
 * batch (moved, or a tag rule's xattr changed on it): the descendants have no rows of their own
 * saying so. Called after the batch's own changes are applied (its moves fixed the paths of the
 * documents that stay) and before its rows are acknowledged, so a crash in between replays the
 * batch, and its directory rows derive the same resync again. One page at a time in memory.
 */
export async function resyncSubtrees(
  views: readonly ResyncView[],
  reader: SubtreeReader,
  indexer: SubtreeIndexer,
  signal?: AbortSignal,
): Promise<ResyncOutcome> {
  const documents: ResyncDocuments = { written: 0, kept: 0, deleted: 0, rejected: 0 };
  const outcome: ResyncOutcome = { pages: 0, covered: 0, uncovered: 0, documents, rejected: [] };
  for (const view of views) {
    for await (const page of reader.subtree(view)) {
      signal?.throwIfAborted();
      const result = await indexer.syncSubtree(
        { docs: page.covered.map((d) => subtreeDoc(view, d)), absent: page.uncovered },
        signal,
      );
      outcome.pages++;
      outcome.covered += page.covered.length;
      outcome.uncovered += page.uncovered.length;
      documents.written += result.written;
      documents.kept += result.kept;
      documents.deleted += result.deleted;
      documents.rejected += result.rejected.length;
      for (const r of result.rejected) outcome.rejected.push({ view, ...r });
    }
  }
  return outcome;
}

/**
 * A covered descendant's document: the state now, versioned by it. Its last_* fields are those
 * of the row that made this state while it still waits in the log table (that row's own event
 * then finds the same document, a 409), else the unknown change.
 */
export function subtreeDoc(view: ResyncView, d: SubtreeDoc): InodeDoc {
  return inodeDoc(d.state, d, {
    lastOperation: d.last?.operation ?? UNKNOWN_OPERATION,
    lastAppId: d.last?.appId ?? null,
    lastCommitTsMs: d.last?.commitTsMs ?? d.state.mtimeMs,
    pathEpoch: view.epoch,
  });
}
