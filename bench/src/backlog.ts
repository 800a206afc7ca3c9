import { Operation } from '@epipe/core';
import { quoteDatabase } from '@epipe/metastore';
import { createConnection } from 'mysql2/promise';
import { freshDatabase, type StackEnv } from './stack';

const COPY_ONCE = [
  'fs_users',
  'fs_groups',
  'pipelines',
  'pipeline_runs',
  'jobs',
  'job_executions',
  'applications',
  'projects',
  'datasets',
];

const LOG_COLUMNS =
  'inode_id, parent_id, inode_name, is_dir, project_id, dataset_id, operation, logical_time, app_id, user_id, xattr_name, commit_ts_ms';

export interface Backlog {
  database: string;
  rows: number;
  copies: number;
  liveInodes: number;
  /** Directory renames: each is a barrier in the search sink (refresh, find descendants, rewrite). */
  directoryMoves: number;
  buildMs: number;
}

/**
 * A backlog of any size with the real workload's shape, fast: the template database (written by
 * the workload generator through the NameNode) is copied once as it is, then again and again
 * with every inode below the datasets shifted to fresh ids and the writers' top directories
 * renamed (`w0~3`), so each copy is its own consistent subtree with its own log rows, in the
 * template's order. Projects, datasets, users and apps are shared. The copies bypass the binlog
 * (`sql_log_bin = 0`): a backlog is what was committed while nobody read it, and epipe reads it
 * with its recovery scan.
 */
export async function replicate(
  stack: StackEnv,
  template: string,
  target: string,
  rowsWanted: number,
  onProgress?: (rows: number) => void,
): Promise<Backlog> {
  const started = Date.now();
  await freshDatabase(stack, target);
  const t = quoteDatabase(template);
  const d = quoteDatabase(target);
  const conn = await createConnection({ ...stack.mysql });
  try {
    await conn.query('SET SESSION sql_log_bin = 0');
    const num = async (sql: string): Promise<number> => {
      const [rows] = (await conn.query(sql)) as unknown as [Record<string, unknown>[]];
      return Number(Object.values(rows[0] ?? {})[0] ?? 0);
    };
    await conn.query(`DROP TABLE IF EXISTS ${t}.bench_shared`);
    await conn.query(`CREATE TABLE ${t}.bench_shared (id BIGINT NOT NULL PRIMARY KEY)`);
    await conn.query(
      `INSERT IGNORE INTO ${t}.bench_shared (id)
         SELECT id FROM ${t}.inodes WHERE id = 1 OR (parent_id = 1 AND name = 'Projects')
         UNION SELECT inode_id FROM ${t}.projects UNION SELECT inode_id FROM ${t}.datasets`,
    );
    const perCopy = await num(
      `SELECT COUNT(*) FROM ${t}.fs_log WHERE inode_id NOT IN (SELECT id FROM ${t}.bench_shared)`,
    );
    const all = await num(`SELECT COUNT(*) FROM ${t}.fs_log`);
    if (perCopy === 0) throw new Error(`template ${template} has no workload rows to copy`);
    const copies = Math.max(1, 1 + Math.ceil((rowsWanted - all) / perCopy));
    const stride =
      1 +
      (await num(
        `SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM ${t}.inodes), (SELECT COALESCE(MAX(inode_id), 0) FROM ${t}.fs_log))`,
      ));

    // Each copy's commit times follow the previous copy's, as a writer's would: copied as they
    // are, the writers' clock jumped back at every copy, and provenance windows (closed on that
    // clock) held deletion for seconds at each boundary (a 1M-row catch-up stalled 4 s every
    // 216k rows). The last copy keeps the template's times; earlier ones move back.
    const span =
      1 + (await num(`SELECT COALESCE(MAX(commit_ts_ms) - MIN(commit_ts_ms), 0) FROM ${t}.fs_log`));
    const shift = (c: number): number => (copies - 1 - c) * span;

    for (const table of [...COPY_ONCE, 'inodes', 'xattrs']) {
      await conn.query(`DELETE FROM ${d}.${table}`);
      await conn.query(`INSERT INTO ${d}.${table} SELECT * FROM ${t}.${table}`);
    }
    await conn.query(`INSERT INTO ${d}.fs_log SELECT * FROM ${t}.fs_log ORDER BY log_id`);
    await conn.query(`UPDATE ${d}.fs_log SET commit_ts_ms = commit_ts_ms - ${shift(0)}`);
    let rows = all;
    onProgress?.(rows);
    for (let c = 1; c < copies; c++) {
      const off = c * stride;
      // A child of a shared directory is a writer's top directory (or a file beside it): renamed.
      const parent = (alias: string): string =>
        `IF(s.id IS NULL, ${alias}.parent_id + ${off}, ${alias}.parent_id)`;
      const name = (column: string): string => `IF(s.id IS NULL, ${column}, CONCAT(${column}, '~${c}'))`;
      await conn.query('START TRANSACTION');
      await conn.query(
        `INSERT INTO ${d}.inodes (id, parent_id, name, is_dir, size, user_id, group_id, permission, mtime, logical_time)
           SELECT i.id + ${off}, ${parent('i')}, ${name('i.name')}, i.is_dir, i.size, i.user_id, i.group_id,
                  i.permission, i.mtime, i.logical_time
           FROM ${t}.inodes i LEFT JOIN ${t}.bench_shared s ON s.id = i.parent_id
           WHERE i.id NOT IN (SELECT id FROM ${t}.bench_shared)`,
      );
      await conn.query(
        `INSERT INTO ${d}.xattrs (inode_id, namespace, name, value)
           SELECT x.inode_id + ${off}, x.namespace, x.name, x.value FROM ${t}.xattrs x
           WHERE x.inode_id NOT IN (SELECT id FROM ${t}.bench_shared)`,
      );
      await conn.query(
        `INSERT INTO ${d}.fs_log (${LOG_COLUMNS})
           SELECT l.inode_id + ${off}, ${parent('l')}, ${name('l.inode_name')}, l.is_dir, l.project_id,
                  l.dataset_id, l.operation, l.logical_time, l.app_id, l.user_id, l.xattr_name, l.commit_ts_ms - ${shift(c)}
           FROM ${t}.fs_log l LEFT JOIN ${t}.bench_shared s ON s.id = l.parent_id
           WHERE l.inode_id NOT IN (SELECT id FROM ${t}.bench_shared)
           ORDER BY l.log_id`,
      );
      await conn.query('COMMIT');
      rows += perCopy;
      onProgress?.(rows);
    }
    const liveInodes = await num(`SELECT COUNT(*) FROM ${d}.inodes WHERE id > 1`);
    const directoryMoves = await num(
      `SELECT COUNT(*) FROM ${d}.fs_log WHERE operation = ${Operation.RENAME} AND is_dir = 1`,
    );
    return { database: target, rows, copies, liveInodes, directoryMoves, buildMs: Date.now() - started };
  } finally {
    await conn.end();
  }
}
