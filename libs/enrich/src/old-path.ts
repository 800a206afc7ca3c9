import type { LogRow } from '@epipe/core';
import { type PathTree, joinPath } from './path-tree';

/** Where a row puts its inode, and for a rename where the inode was before. */
export interface RowPlace {
  /** The inode's path after the row; null when an ancestor is unknown. */
  path: string | null;
  /** A rename's previous path; null for other operations, or when it cannot be known. */
  oldPath: string | null;
  /** Ids from the root down to the previous parent, when the old path is known. */
  oldAncestorIds: number[] | null;
}

/**
 * Reads the row's place from the tree of edges, then applies the row to it (a DELETE removes
 * the edge, anything else sets it), so the next row of the batch sees the tree after this one.
 *
 * The old-path guess: before a rename the cache shows where the inode was, unless its edge was
 * read from the database after the rename committed (a cold cache after a restart replays old
 * rows): then it shows the new place already, and the old one is unknown rather than wrong.
 */
export function placeRow(tree: PathTree, row: LogRow): RowPlace {
  const cached = row.operation === 'RENAME' ? tree.path(row.inodeId) : null;
  const parentPath = tree.path(row.parentId);
  const path = parentPath === null ? null : joinPath(parentPath, row.name);
  const oldPath = cached !== path ? cached : null;
  const oldParentId = oldPath === null ? undefined : tree.get(row.inodeId)?.parentId;
  const oldAncestorIds = oldParentId === undefined ? null : tree.chain(oldParentId);
  if (row.operation === 'DELETE') tree.delete(row.inodeId);
  else tree.set({ inodeId: row.inodeId, parentId: row.parentId, name: row.name, isDir: row.isDir });
  return { path, oldPath, oldAncestorIds };
}
