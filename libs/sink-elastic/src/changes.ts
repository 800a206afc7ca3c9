import type { InodeDoc, MoveSpec } from './doc';

export interface UpsertChange {
  kind: 'upsert';
  /** Version = doc.logicalTime. */
  doc: InodeDoc;
}

export interface DeleteChange {
  kind: 'delete';
  inodeId: number;
  /** Version of the deletion; a later write with a lower version cannot resurrect the doc. */
  logicalTime: number;
}

/** A directory was renamed or moved: every descendant's path (and ancestors) must follow. */
export interface MoveChange extends MoveSpec {
  kind: 'move';
}

export type WriteChange = UpsertChange | DeleteChange;
export type InodeChange = WriteChange | MoveChange;

/** A write of one apply() call, and how many of the call's moves came before it. */
export interface PlannedWrite {
  change: WriteChange;
  /** Moves before the write cannot change the document it carries: it is the inode's later state. */
  movesBefore: number;
}

/** What one apply() call does: its writes, one per inode, then its moves, in their order. */
export interface ChangePlan {
  writes: PlannedWrite[];
  moves: MoveChange[];
}

export function changeInodeId(change: WriteChange): number {
  return change.kind === 'upsert' ? change.doc.inodeId : change.inodeId;
}

export function changeVersion(change: WriteChange): number {
  return change.kind === 'upsert' ? change.doc.logicalTime : change.logicalTime;
}

/**
 * Splits a call's changes into its writes and its moves. Writes are kept one per inode across
 * the whole call (dedupePerInode), each with the number of moves before it: a move rewrites a
 * document only if it comes after the write that document came from, so applying the moves
 * after all the writes ends where applying everything one change at a time would.
 */
export function planChanges(changes: readonly InodeChange[]): ChangePlan {
  const writes: PlannedWrite[] = [];
  const moves: MoveChange[] = [];
  for (const change of changes) {
    if (change.kind === 'move') moves.push(change);
    else writes.push({ change, movesBefore: moves.length });
  }
  const keep = keptWrites(writes.map((w) => w.change));
  return { writes: writes.filter((_, i) => keep.has(i)), moves };
}

/**
 * One change per inode, so the writes of a run can go out in concurrent bulks. The later change
 * wins, unless an earlier one carries a higher version: Elasticsearch would have kept that one
 * anyway, so the result equals applying the run one change at a time. Kept changes stay in
 * their original order.
 */
export function dedupePerInode(changes: readonly WriteChange[]): WriteChange[] {
  const keep = keptWrites(changes);
  return changes.filter((_, i) => keep.has(i));
}

/** The positions dedupePerInode keeps. */
function keptWrites(changes: readonly WriteChange[]): Set<number> {
  const winner = new Map<number, number>();
  changes.forEach((change, i) => {
    const id = changeInodeId(change);
    const current = winner.get(id);
    if (current === undefined || changeVersion(change) >= changeVersion(changes[current]!)) winner.set(id, i);
  });
  return new Set(winner.values());
}
