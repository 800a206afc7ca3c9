import { type ExecutionContext, type InodeState, Operation, type OperationName } from '@epipe/core';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { ChildCursor, Edge, LoggedChange, MetadataReader } from './reader';

const OPERATION_OF = new Map(
  (Object.entries(Operation) as [OperationName, number][]).map(([name, code]) => [code, name]),
);

/** Names of the xattr namespaces as HopsFS numbers them; user xattrs keep their bare name. */
const NAMESPACES = ['user', 'trusted', 'security', 'system', 'raw', 'provenance'];

function xattrKey(namespace: number, name: string): string {
  return namespace === 0 ? name : `${NAMESPACES[namespace] ?? `ns${namespace}`}.${name}`;
}

/** The (namespace, name) a key of states()' xattrs stands for: a bare name is a user xattr. */
function parseXattrKey(key: string): { namespace: number; name: string } {
  const dot = key.indexOf('.');
  const namespace = dot > 0 ? NAMESPACES.indexOf(key.slice(0, dot)) : -1;
  return namespace > 0 ? { namespace, name: key.slice(dot + 1) } : { namespace: 0, name: key };
}

export class SqlMetadataReader implements MetadataReader {
  constructor(
    private readonly pool: Pool,
    private readonly logTable = 'fs_log',
  ) {}

  async edges(ids: number[]): Promise<Edge[]> {
    if (ids.length === 0) return [];
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT id, parent_id, name, is_dir FROM inodes WHERE id IN (?)',
      [ids],
    );
    return rows.map((r) => ({
      inodeId: Number(r.id),
      parentId: Number(r.parent_id),
      name: String(r.name),
      isDir: Boolean(r.is_dir),
    }));
  }

  async loggedEdges(ids: number[]): Promise<Edge[]> {
    if (ids.length === 0) return [];
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT l.inode_id, l.parent_id, l.inode_name, l.is_dir FROM ${this.logTable} l
       JOIN (SELECT inode_id, MAX(log_id) AS log_id FROM ${this.logTable} WHERE inode_id IN (?) GROUP BY inode_id) m
         ON m.log_id = l.log_id`,
      [ids],
    );
    return rows.map((r) => ({
      inodeId: Number(r.inode_id),
      parentId: Number(r.parent_id),
      name: String(r.inode_name),
      isDir: Boolean(r.is_dir),
    }));
  }

  async children(parentIds: readonly number[], after: ChildCursor | null, limit: number): Promise<Edge[]> {
    const ids = [...new Set(parentIds)].sort((a, b) => a - b);
    const later = after === null ? ids : ids.filter((id) => id > after.parentId);
    // Each side of the OR is a range of the (parent_id, name) key: the index serves them in key
    // order, so ORDER BY ... LIMIT stops after `limit` rows without a sort.
    const ranges: string[] = [];
    const params: unknown[] = [];
    if (after !== null && ids.includes(after.parentId)) {
      ranges.push('(parent_id = ? AND name > ?)');
      params.push(after.parentId, after.name);
    }
    if (later.length > 0) {
      ranges.push('parent_id IN (?)');
      params.push(later);
    }
    if (ranges.length === 0) return [];
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT id, parent_id, name, is_dir FROM inodes WHERE ${ranges.join(' OR ')}
        ORDER BY parent_id, name LIMIT ?`,
      [...params, limit],
    );
    return rows.map((r) => ({
      inodeId: Number(r.id),
      parentId: Number(r.parent_id),
      name: String(r.name),
      isDir: Boolean(r.is_dir),
    }));
  }

  async loggedChanges(ids: number[]): Promise<Map<number, LoggedChange>> {
    const out = new Map<number, LoggedChange>();
    if (ids.length === 0) return out;
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT l.inode_id, l.logical_time, l.operation, l.app_id, l.commit_ts_ms FROM ${this.logTable} l
       JOIN (SELECT inode_id, MAX(log_id) AS log_id FROM ${this.logTable}
              WHERE inode_id IN (?) AND operation <> ? GROUP BY inode_id) m
         ON m.log_id = l.log_id`,
      [ids, Operation.ACCESS],
    );
    for (const r of rows) {
      const operation = OPERATION_OF.get(Number(r.operation));
      if (operation === undefined) continue; // a poison row: it describes no change
      out.set(Number(r.inode_id), {
        logicalTime: Number(r.logical_time),
        operation,
        appId: r.app_id === null ? null : String(r.app_id),
        commitTsMs: Number(r.commit_ts_ms),
      });
    }
    return out;
  }

  async pendingDeletes(ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT DISTINCT inode_id FROM ${this.logTable} WHERE operation = ? AND inode_id IN (?)`,
      [Operation.DELETE, ids],
    );
    return new Set(rows.map((r) => Number(r.inode_id)));
  }

  async states(ids: number[], maxXattrBytes: number): Promise<InodeState[]> {
    if (ids.length === 0) return [];
    // One snapshot for the inode rows and their xattrs, so a document never mixes two versions.
    const conn = await this.pool.getConnection();
    try {
      await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const [inodes] = await conn.query<RowDataPacket[]>(
        `SELECT i.id, i.parent_id, i.name, i.is_dir, i.size, u.name AS owner, g.name AS grp, i.permission,
                i.mtime, i.logical_time
           FROM inodes i LEFT JOIN fs_users u ON u.id = i.user_id LEFT JOIN fs_groups g ON g.id = i.group_id
          WHERE i.id IN (?)`,
        [ids],
      );
      const [xattrs] = await conn.query<RowDataPacket[]>(
        // Oversized values are not even fetched: only their length.
        `SELECT inode_id, namespace, name, IF(LENGTH(value) > ?, NULL, value) AS value, LENGTH(value) AS bytes
           FROM xattrs WHERE inode_id IN (?)`,
        [maxXattrBytes, ids],
      );
      await conn.query('COMMIT');
      const byInode = new Map<number, Record<string, string>>();
      const oversized = new Map<number, Record<string, number>>();
      for (const x of xattrs) {
        const id = Number(x.inode_id);
        const key = xattrKey(Number(x.namespace), String(x.name));
        if (x.value === null) {
          const big = oversized.get(id) ?? {};
          big[key] = Number(x.bytes);
          oversized.set(id, big);
          continue;
        }
        const map = byInode.get(id) ?? {};
        map[key] = Buffer.isBuffer(x.value) ? x.value.toString('utf8') : String(x.value);
        byInode.set(id, map);
      }
      return inodes.map((r) => ({
        inodeId: Number(r.id),
        parentId: Number(r.parent_id),
        name: String(r.name),
        isDir: Boolean(r.is_dir),
        size: Number(r.size),
        owner: r.owner === null ? null : String(r.owner),
        group: r.grp === null ? null : String(r.grp),
        permission: Number(r.permission),
        mtimeMs: Number(r.mtime),
        logicalTime: Number(r.logical_time),
        xattrs: byInode.get(Number(r.id)) ?? {},
        ...(oversized.has(Number(r.id)) ? { oversizedXattrs: oversized.get(Number(r.id)) } : {}),
      }));
    } finally {
      conn.release();
    }
  }

  userNames(ids: number[]): Promise<Map<number, string>> {
    return this.names('fs_users', ids);
  }

  projectNames(ids: number[]): Promise<Map<number, string>> {
    return this.names('projects', ids);
  }

  datasetNames(ids: number[]): Promise<Map<number, string>> {
    return this.names('datasets', ids);
  }

  async contexts(appIds: string[]): Promise<Map<string, ExecutionContext>> {
    const out = new Map<string, ExecutionContext>();
    if (appIds.length === 0) return out;
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT a.app_id, e.id AS execution_id, j.id AS job_id, j.name AS job_name, jp.name AS job_project,
              p.name AS pipeline_name, r.id AS run_id, r.run_name
         FROM applications a
         LEFT JOIN job_executions e ON e.id = a.execution_id
         LEFT JOIN jobs j ON j.id = e.job_id
         LEFT JOIN projects jp ON jp.id = j.project_id
         LEFT JOIN pipeline_runs r ON r.id = e.pipeline_run_id
         LEFT JOIN pipelines p ON p.id = r.pipeline_id
        WHERE a.app_id IN (?)`,
      [appIds],
    );
    for (const r of rows) {
      out.set(String(r.app_id), {
        appId: String(r.app_id),
        jobId: r.job_id === null ? null : Number(r.job_id),
        jobName: r.job_name === null ? null : String(r.job_name),
        jobProject: r.job_project === null ? null : String(r.job_project),
        jobExecutionId: r.execution_id === null ? null : Number(r.execution_id),
        pipelineName: r.pipeline_name === null ? null : String(r.pipeline_name),
        pipelineRunId: r.run_id === null ? null : Number(r.run_id),
        pipelineRun: r.run_name === null ? null : String(r.run_name),
      });
    }
    return out;
  }

  async xattrValues(key: string, ids: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (ids.length === 0) return out;
    // The namespace counts: a trusted.<tag> xattr is not the user's tag.
    const { namespace, name } = parseXattrKey(key);
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT inode_id, value FROM xattrs WHERE namespace = ? AND name = ? AND inode_id IN (?)',
      [namespace, name, ids],
    );
    for (const r of rows)
      out.set(Number(r.inode_id), Buffer.isBuffer(r.value) ? r.value.toString('utf8') : String(r.value));
    return out;
  }

  private async names(table: string, ids: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (ids.length === 0) return out;
    const [rows] = await this.pool.query<RowDataPacket[]>(`SELECT id, name FROM ${table} WHERE id IN (?)`, [
      ids,
    ]);
    for (const r of rows) out.set(Number(r.id), String(r.name));
    return out;
  }
}
