import { Operation } from '@epipe/core';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { NameNode } from '@epipe/metastore';

/** Where bulk-created files go, and the ids their rows need. */
export interface BulkTarget {
  dirId: number;
  userId: number;
  groupId: number;
  projectId: number;
  datasetId: number;
}

/** A project, a dataset and an empty directory in it, made through the name node. */
export async function prepareBulkTarget(nn: NameNode, pool: Pool, project: string): Promise<BulkTarget> {
  await nn.createUser('alice');
  const p = await nn.createProject(project, 'alice');
  const ds = await nn.createDataset(project, 'Resources', { user: 'alice' });
  const dir = await nn.mkdir(`/Projects/${project}/Resources/bulk`, { user: 'alice' });
  const [rows] = await pool.query<RowDataPacket[]>('SELECT user_id, group_id FROM inodes WHERE id = ?', [
    dir.inodeId,
  ]);
  return {
    dirId: dir.inodeId,
    userId: Number(rows[0]!.user_id),
    groupId: Number(rows[0]!.group_id),
    projectId: p.id,
    datasetId: ds.id,
  };
}

/**
 * Creates `count` files in the target directory, each inode with its CREATE log row, as
 * transactions of `perTransaction` files (one transaction for all when it is >= count). Set-based
 * SQL over MariaDB's sequence engine, so a million rows take seconds, not hours.
 */
export async function createFiles(
  pool: Pool,
  target: BulkTarget,
  count: number,
  perTransaction: number,
): Promise<void> {
  const conn = await pool.getConnection();
  try {
    for (let from = 1; from <= count; from += perTransaction) {
      const to = Math.min(count, from + perTransaction - 1);
      const now = Date.now();
      await conn.query('START TRANSACTION');
      await conn.query(
        `INSERT INTO inodes (parent_id, name, is_dir, size, user_id, group_id, permission, mtime, logical_time)
         SELECT ?, CONCAT('f', LPAD(seq, 8, '0')), 0, seq, ?, ?, 420, ?, 1 FROM seq_${from}_to_${to}`,
        [target.dirId, target.userId, target.groupId, now],
      );
      await conn.query(
        `INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, project_id, dataset_id, operation,
                             logical_time, app_id, user_id, xattr_name, commit_ts_ms)
         SELECT id, parent_id, name, 0, ?, ?, ?, 1, NULL, ?, NULL, ? FROM inodes
          WHERE parent_id = ? AND name BETWEEN CONCAT('f', LPAD(?, 8, '0')) AND CONCAT('f', LPAD(?, 8, '0'))
          ORDER BY id`,
        [
          target.projectId,
          target.datasetId,
          Operation.CREATE,
          target.userId,
          Date.now(),
          target.dirId,
          from,
          to,
        ],
      );
      await conn.query('COMMIT');
    }
  } finally {
    conn.release();
  }
}
