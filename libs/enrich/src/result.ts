import type { DeadLetter, FileEvent, InodeState } from '@epipe/core';
import type { ResyncView } from './subtree';

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
  /** Null when unknown: the edge cache already showed the new place (see placeRow). */
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
  /**
   * Live inodes whose change left them outside what the filters cover (moved out, tagged off):
   * the index must drop their documents; versioned by that change.
   */
  uncovered?: { inodeId: number; logicalTime: number }[];
  moves: MoveView[];
  /**
   * Directories whose descendants may have crossed the filters' boundary in this batch (moved,
   * or a tag rule's xattr changed on them), outermost only: the pipeline reads them again from
   * the database (BatchEnricher.subtree) once the batch's own changes are in the index.
   */
  resyncs?: ResyncView[];
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
