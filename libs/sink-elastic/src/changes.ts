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

/** A run of writes that may go out together, or a move, which is a barrier. */
export type Segment = { kind: 'writes'; changes: WriteChange[] } | { kind: 'move'; change: MoveChange };

export function changeInodeId(change: WriteChange): number {
  return change.kind === 'upsert' ? change.doc.inodeId : change.inodeId;
}

export function changeVersion(change: WriteChange): number {
  return change.kind === 'upsert' ? change.doc.logicalTime : change.logicalTime;
}

/** Splits changes, in order, into runs of writes separated by moves. */
export function segmentChanges(changes: readonly InodeChange[]): Segment[] {
  const segments: Segment[] = [];
  let writes: WriteChange[] = [];
  for (const change of changes) {
    if (change.kind === 'move') {
      if (writes.length > 0) segments.push({ kind: 'writes', changes: writes });
      writes = [];
      segments.push({ kind: 'move', change });
    } else {
      writes.push(change);
    }
  }
  if (writes.length > 0) segments.push({ kind: 'writes', changes: writes });
  return segments;
}

/**
 * One change per inode, so the writes of a run can go out in concurrent bulks. The later change
 * wins, unless an earlier one carries a higher version: Elasticsearch would have kept that one
 * anyway, so the result equals applying the run one change at a time. Kept changes stay in
 * their original order.
 */
export function dedupePerInode(changes: readonly WriteChange[]): WriteChange[] {
  const winner = new Map<number, number>();
  changes.forEach((change, i) => {
    const id = changeInodeId(change);
    const current = winner.get(id);
    if (current === undefined || changeVersion(change) >= changeVersion(changes[current]!)) winner.set(id, i);
  });
  const keep = new Set(winner.values());
  return changes.filter((_, i) => keep.has(i));
}
