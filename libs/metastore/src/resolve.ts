import type { RowDataPacket } from 'mysql2/promise';
import { ROOT_INODE_ID } from './migrate';
import { PROJECTS_DIR } from './paths';
import type { Tx } from './tx';
import type { Inode } from './types';
import type { Scope } from './writes';

/** Levels per lookup query; MariaDB joins at most 61 tables, and two go to projects/datasets. */
const LEVELS_PER_QUERY = 40;

export type LockMode = 'none' | 'share' | 'update';

/** The inodes found along a path, from the top; shorter than the path when a component is missing. */
export interface Chain {
  inodes: Inode[];
  scope: Scope;
}

const INODE_COLUMNS = [
  'id',
  'parent_id',
  'is_dir',
  'size',
  'user_id',
  'group_id',
  'permission',
  'mtime',
  'logical_time',
];

function lockClause(lock: LockMode): string {
  return lock === 'share' ? ' LOCK IN SHARE MODE' : lock === 'update' ? ' FOR UPDATE' : '';
}

export function toInode(row: RowDataPacket, name: string, prefix = ''): Inode {
  return {
    id: Number(row[`${prefix}id`]),
    parentId: Number(row[`${prefix}parent_id`]),
    name,
    isDir: Number(row[`${prefix}is_dir`]) === 1,
    size: Number(row[`${prefix}size`]),
    userId: Number(row[`${prefix}user_id`]),
    groupId: Number(row[`${prefix}group_id`]),
    permission: Number(row[`${prefix}permission`]),
    mtimeMs: Number(row[`${prefix}mtime`]),
    logicalTime: Number(row[`${prefix}logical_time`]),
  };
}

function nullableId(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/**
 * Resolves a path with one query per LEVELS_PER_QUERY components: a chain of LEFT JOINs on the
 * unique (parent_id, name) key. With 'share', every inode on the path is read-locked top-down
 * (parent before child), so no ancestor can be renamed or deleted until this transaction ends,
 * and the project/dataset ids taken from the path stay true.
 */
export async function resolveChain(tx: Tx, names: readonly string[], lock: LockMode): Promise<Chain> {
  const inodes: Inode[] = [];
  const scope: Scope = { projectId: null, datasetId: null };
  let parentId = ROOT_INODE_ID;
  for (let start = 0; start < names.length; start += LEVELS_PER_QUERY) {
    const part = names.slice(start, start + LEVELS_PER_QUERY);
    const inProjects = start === 0 && names[0] === PROJECTS_DIR;
    const found = await resolvePart(tx, parentId, part, lock, inProjects, scope);
    inodes.push(...found);
    if (found.length < part.length) break;
    parentId = found[found.length - 1]!.id;
  }
  return { inodes, scope };
}

/** Lookup statements depend only on depth, layout and lock mode, so they are built once each. */
const chainSqlCache = new Map<string, string>();

function chainSql(depth: number, inProjects: boolean, lock: LockMode): string {
  const key = `${depth}/${inProjects}/${lock}`;
  const cached = chainSqlCache.get(key);
  if (cached !== undefined) return cached;
  const columns: string[] = [];
  const joins: string[] = [];
  for (let i = 0; i < depth; i++) {
    for (const c of INODE_COLUMNS) columns.push(`t${i}.${c} AS l${i}_${c}`);
    if (i > 0) joins.push(`LEFT JOIN inodes t${i} ON t${i}.parent_id = t${i - 1}.id AND t${i}.name = ?`);
  }
  if (inProjects && depth >= 2) {
    columns.push('pr.id AS project_id');
    joins.push('LEFT JOIN projects pr ON pr.inode_id = t1.id');
  }
  if (inProjects && depth >= 3) {
    columns.push('ds.id AS dataset_id');
    joins.push('LEFT JOIN datasets ds ON ds.inode_id = t2.id');
  }
  const sql =
    `SELECT ${columns.join(', ')} FROM inodes t0 ${joins.join(' ')} ` +
    `WHERE t0.parent_id = ? AND t0.name = ?${lockClause(lock)}`;
  chainSqlCache.set(key, sql);
  return sql;
}

async function resolvePart(
  tx: Tx,
  parentId: number,
  names: string[],
  lock: LockMode,
  inProjects: boolean,
  scope: Scope,
): Promise<Inode[]> {
  const sql = chainSql(names.length, inProjects, lock);
  const params: unknown[] = [...names.slice(1), parentId, names[0]];
  const rows = await tx.rows(sql, params);
  const row = rows[0];
  if (!row) return [];
  const found: Inode[] = [];
  for (let i = 0; i < names.length; i++) {
    if (row[`l${i}_id`] === null || row[`l${i}_id`] === undefined) break;
    found.push(toInode(row, names[i]!, `l${i}_`));
  }
  if (inProjects) {
    scope.projectId = nullableId(row.project_id);
    scope.datasetId = nullableId(row.dataset_id);
  }
  return found;
}

export interface Target {
  inode: Inode;
  /** Set when the target is itself a project or dataset directory. */
  scope: Scope;
  /** Whether the xattr asked about exists (xattr operations only). */
  hasXattr: boolean;
}

/**
 * Locks one child of an already locked parent. For a project or dataset directory it also reads
 * the project/dataset id, which the parent's chain cannot know.
 */
export async function lockChild(
  tx: Tx,
  names: readonly string[],
  parentId: number,
  lock: LockMode,
  xattr?: { namespace: number; name: string },
): Promise<Target | undefined> {
  const depth = names.length;
  const name = names[depth - 1]!;
  const columns = INODE_COLUMNS.map((c) => `i.${c}`);
  const joins: string[] = [];
  const params: unknown[] = [];
  if (names[0] === PROJECTS_DIR && depth === 2) {
    columns.push('pr.id AS project_id');
    joins.push('LEFT JOIN projects pr ON pr.inode_id = i.id');
  }
  if (names[0] === PROJECTS_DIR && depth === 3) {
    columns.push('ds.id AS dataset_id');
    joins.push('LEFT JOIN datasets ds ON ds.inode_id = i.id');
  }
  if (xattr) {
    columns.push(
      'EXISTS (SELECT 1 FROM xattrs x WHERE x.inode_id = i.id AND x.namespace = ? AND x.name = ?) AS has_xattr',
    );
    params.push(xattr.namespace, xattr.name);
  }
  params.push(parentId, name);
  const rows = await tx.rows(
    `SELECT ${columns.join(', ')} FROM inodes i ${joins.join(' ')} ` +
      `WHERE i.parent_id = ? AND i.name = ?${lockClause(lock)}`,
    params,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    inode: toInode(row, name),
    scope: { projectId: nullableId(row.project_id), datasetId: nullableId(row.dataset_id) },
    hasXattr: Number(row.has_xattr) === 1,
  };
}
