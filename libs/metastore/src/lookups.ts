import type { Pool, RowDataPacket } from 'mysql2/promise';
import { ROOT_INODE_ID } from './migrate';
import { formatPath, invalid, parsePath } from './paths';
import { resolveChain, toInode } from './resolve';
import { Tx } from './tx';
import type { Inode, InodeStat, XattrEntry } from './types';
import { namespaceName } from './xattr';

/** Plain reads of the committed namespace, without locks or log rows; for tests and tools. */
async function find(pool: Pool, path: string): Promise<Inode | undefined> {
  const names = parsePath(path);
  if (names.length === 0) {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT * FROM inodes WHERE id = ?', [ROOT_INODE_ID]);
    return rows[0] ? toInode(rows[0], '') : undefined;
  }
  const chain = await resolveChain(new Tx(pool), names, 'none');
  return chain.inodes.length === names.length ? chain.inodes[names.length - 1] : undefined;
}

export async function stat(pool: Pool, path: string): Promise<InodeStat | null> {
  const inode = await find(pool, path);
  if (!inode) return null;
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT (SELECT name FROM fs_users WHERE id = ?) AS owner, (SELECT name FROM fs_groups WHERE id = ?) AS grp`,
    [inode.userId, inode.groupId],
  );
  return {
    ...inode,
    path: formatPath(parsePath(path)),
    owner: String(rows[0]?.owner),
    group: String(rows[0]?.grp),
  };
}

/** The children of a directory, ordered by name. */
export async function listDir(pool: Pool, path: string): Promise<Inode[]> {
  const dir = await find(pool, path);
  if (!dir) throw invalid(`listDir ${path}: no such file or directory`);
  if (!dir.isDir) throw invalid(`listDir ${path}: not a directory`);
  const [rows] = await pool.query<RowDataPacket[]>('SELECT * FROM inodes WHERE parent_id = ? ORDER BY name', [
    dir.id,
  ]);
  return rows.map((row) => toInode(row, String(row.name)));
}

export async function getXattrs(pool: Pool, path: string): Promise<XattrEntry[]> {
  const inode = await find(pool, path);
  if (!inode) throw invalid(`getXattrs ${path}: no such file or directory`);
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT namespace, name, value FROM xattrs WHERE inode_id = ? ORDER BY namespace, name',
    [inode.id],
  );
  return rows.map((row) => ({
    namespace: namespaceName(Number(row.namespace)),
    name: String(row.name),
    value: row.value as Buffer,
  }));
}
