import { Operation } from '@epipe/core';
import { toInode } from './resolve';
import type { Tx } from './tx';
import type { Inode } from './types';
import type { Scope } from './writes';
import { logRow, type Actor } from './writes';

/** Ids per IN (...) list, to keep statements small whatever the subtree size. */
const ID_CHUNK = 1000;

function chunks<T>(items: readonly T[], size = ID_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Write-locks the descendants of a locked directory level by level (parents before children,
 * like every other writer) and returns the levels, shallowest first. Holding the directory's
 * lock already keeps new children out: every writer read-locks all ancestors of what it changes.
 */
export async function lockDescendants(tx: Tx, dir: Inode): Promise<Inode[][]> {
  const levels: Inode[][] = [];
  let frontier = [dir];
  while (frontier.length > 0) {
    const next: Inode[] = [];
    for (const part of chunks(frontier.filter((i) => i.isDir).map((i) => i.id))) {
      const rows = await tx.rows(
        `SELECT id, parent_id, name, is_dir, size, user_id, group_id, permission, mtime, logical_time
         FROM inodes WHERE parent_id IN (?) ORDER BY id FOR UPDATE`,
        [part],
      );
      for (const row of rows) next.push(toInode(row, String(row.name)));
    }
    if (next.length > 0) levels.push(next);
    frontier = next;
  }
  return levels;
}

export async function hasChildren(tx: Tx, dirId: number): Promise<boolean> {
  const rows = await tx.rows('SELECT 1 AS one FROM inodes WHERE parent_id = ? LIMIT 1', [dirId]);
  return rows.length > 0;
}

/**
 * Removes the inodes and their xattrs, logging one DELETE per inode, deepest first, each with
 * its own next logical_time. `inodes` must be ordered deepest first already.
 */
export async function removeInodes(
  tx: Tx,
  inodes: readonly Inode[],
  scope: Scope,
  actor: Actor,
): Promise<void> {
  for (const inode of inodes) logRow(tx, inode, scope, Operation.DELETE, inode.logicalTime + 1, actor);
  for (const part of chunks(inodes.map((i) => i.id))) {
    await tx.exec('DELETE FROM xattrs WHERE inode_id IN (?)', [part]);
    await tx.exec('DELETE FROM inodes WHERE id IN (?)', [part]);
  }
}
