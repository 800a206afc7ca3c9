import type { LogRow, OperationCode } from '@epipe/core';
import type { Tx } from './tx';
import type { Inode, OpResult } from './types';

/** A log row before its commit timestamp is known. */
export type PendingLog = Omit<LogRow, 'logId' | 'operation' | 'commitTsMs'> & { operation: OperationCode };

/** Project and dataset ids a path lies in; null outside /Projects/<project>[/<dataset>]. */
export interface Scope {
  projectId: number | null;
  datasetId: number | null;
}

/** The user and app an operation is logged under, already resolved to ids. */
export interface Actor {
  userId: number;
  appId: string | null;
}

export function isDuplicate(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ER_DUP_ENTRY';
}

/** An inode row before the insert: its id, mtime and logical time are the insert's. */
export type NewInode = Omit<Inode, 'id' | 'mtimeMs' | 'logicalTime'>;

/** Inserts an inode at logical_time 1: its CREATE is its first version. Duplicates throw ER_DUP_ENTRY. */
export async function insertInode(tx: Tx, spec: NewInode): Promise<Inode> {
  const mtimeMs = Date.now();
  const result = await tx.exec(
    `INSERT INTO inodes (parent_id, name, is_dir, size, user_id, group_id, permission, mtime, logical_time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    [
      spec.parentId,
      spec.name,
      spec.isDir ? 1 : 0,
      spec.size,
      spec.userId,
      spec.groupId,
      spec.permission,
      mtimeMs,
    ],
  );
  return { ...spec, id: result.insertId, mtimeMs, logicalTime: 1 };
}

export function logRow(
  tx: Tx,
  inode: Pick<Inode, 'id' | 'parentId' | 'name' | 'isDir'>,
  scope: Scope,
  operation: OperationCode,
  logicalTime: number,
  actor: Actor,
  xattrName: string | null = null,
): void {
  tx.log({
    inodeId: inode.id,
    parentId: inode.parentId,
    name: inode.name,
    isDir: inode.isDir,
    projectId: scope.projectId,
    datasetId: scope.datasetId,
    operation,
    logicalTime,
    appId: actor.appId,
    userId: actor.userId,
    xattrName,
  });
}

/**
 * Applies a change to a locked inode: bumps logical_time and mtime with it, and queues the log
 * row carrying the new version.
 */
export async function mutate(
  tx: Tx,
  inode: Inode,
  scope: Scope,
  operation: OperationCode,
  actor: Actor,
  change: { size?: number; permission?: number; xattrName?: string } = {},
): Promise<OpResult> {
  const logicalTime = inode.logicalTime + 1;
  const sets = ['logical_time = ?', 'mtime = ?'];
  const params: unknown[] = [logicalTime, Date.now()];
  if (change.size !== undefined) {
    sets.push('size = ?');
    params.push(change.size);
  }
  if (change.permission !== undefined) {
    sets.push('permission = ?');
    params.push(change.permission);
  }
  params.push(inode.id);
  await tx.exec(`UPDATE inodes SET ${sets.join(', ')} WHERE id = ?`, params);
  logRow(tx, inode, scope, operation, logicalTime, actor, change.xattrName ?? null);
  return { inodeId: inode.id, parentId: inode.parentId, logicalTime };
}

export function mergeScope(outer: Scope, inner: Scope): Scope {
  return { projectId: outer.projectId ?? inner.projectId, datasetId: outer.datasetId ?? inner.datasetId };
}
