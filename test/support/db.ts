import { createConnection, createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { migrate, NameNode, type NameNodeOptions } from '@epipe/metastore';
import { testEnv, uniqueName } from './env';

export interface TestDatabase {
  database: string;
  /** Root credentials, default database set to `database`. */
  pool: Pool;
  nameNode: NameNode;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated metadata database on the local stack's MariaDB, unique to the caller. */
export async function createTestDatabase(
  prefix: string,
  options: { connectionLimit?: number; nameNode?: NameNodeOptions } = {},
): Promise<TestDatabase> {
  const { mysql } = testEnv();
  const database = uniqueName(prefix);
  const admin = createPool({ ...mysql, connectionLimit: 1 });
  try {
    await migrate(admin, database);
  } finally {
    await admin.end();
  }
  const pool = createPool({
    ...mysql,
    database,
    connectionLimit: options.connectionLimit ?? 8,
    multipleStatements: true,
  });
  return {
    database,
    pool,
    nameNode: new NameNode(pool, options.nameNode),
    async drop() {
      await pool.end();
      const conn = await createConnection(mysql);
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await conn.end();
      }
    },
  };
}

/** A project of alice's with empty top-level directories, `/Projects/<project>/<dir>` each. */
export async function createProjectDirs(
  nn: NameNode,
  project: string,
  dirs: readonly string[],
): Promise<void> {
  await nn.createProject(project, 'alice');
  for (const dir of dirs) await nn.mkdir(`/Projects/${project}/${dir}`, { user: 'alice' });
}

/** One fs_log row as mysql2 returns it: the table's column names. */
export interface FsLogRow {
  log_id: number;
  /** The writing transaction (null for writers that do not set it). */
  tx_id: number | null;
  inode_id: number;
  parent_id: number;
  inode_name: string;
  is_dir: number;
  project_id: number | null;
  dataset_id: number | null;
  operation: number;
  logical_time: number;
  app_id: string | null;
  user_id: number;
  xattr_name: string | null;
  commit_ts_ms: number;
}

/** Reads fs_log rows written since the previous call, in log_id order. */
export class LogTail {
  private last = 0;

  constructor(private readonly pool: Pool) {}

  async next(): Promise<FsLogRow[]> {
    const [rows] = await this.pool.query<(FsLogRow & RowDataPacket)[]>(
      'SELECT * FROM fs_log WHERE log_id > ? ORDER BY log_id',
      [this.last],
    );
    if (rows.length > 0) this.last = rows[rows.length - 1]!.log_id;
    return rows;
  }
}

/** Every write-side table, to prove that a refused or rolled-back operation changed nothing. */
export async function snapshotTables(pool: Pool): Promise<Record<string, RowDataPacket[]>> {
  const tables = [
    'inodes',
    'xattrs',
    'fs_log',
    'projects',
    'datasets',
    'applications',
    'fs_users',
    'fs_groups',
  ];
  const out: Record<string, RowDataPacket[]> = {};
  for (const table of tables) {
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT * FROM ${table} ORDER BY 1, 2`);
    out[table] = rows;
  }
  return out;
}
