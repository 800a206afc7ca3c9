import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EpipeError } from '@epipe/core';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { quoteDatabase, splitStatements } from './sql';

/** Both src/ (ts-jest) and dist/ sit beside migrations/ in the package folder. */
export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

export const ROOT_INODE_ID = 1;
export const SUPERUSER = 'hdfs';
export const SUPERGROUP = 'hdfs';

export interface Migration {
  version: string;
  checksum: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d+_[A-Za-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: file.replace(/\.sql$/, ''),
        checksum: createHash('sha256').update(sql).digest('hex'),
        sql,
      };
    });
}

export interface MigrateResult {
  applied: string[];
  skipped: string[];
}

/**
 * Creates `database` if missing, applies the migrations it has not seen, and seeds the root
 * inode and the hdfs superuser. Safe to run again, and from several processes at once (a named
 * lock serializes them). DDL is not transactional in MariaDB, so a file is recorded only after
 * all its statements ran; the files use IF NOT EXISTS so a failed run can simply be repeated.
 */
export async function migrate(pool: Pool, database: string, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  const db = quoteDatabase(database);
  const migrations = loadMigrations(dir);
  const conn = await pool.getConnection();
  // The connection's default database changes below; it must not go back to the pool like that.
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await conn.query(`USE ${db}`);
    const lockName = `epipe_migrate_${database}`;
    const [locked] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 60) AS ok', [lockName]);
    if (locked[0]?.ok !== 1)
      throw new EpipeError('TIMEOUT', `could not take the migration lock of ${database}`, {
        retriable: true,
      });
    try {
      const result = await applyMigrations(conn, database, migrations);
      await seed(conn);
      return result;
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [lockName]);
    }
  } finally {
    conn.destroy();
  }
}

async function applyMigrations(
  conn: PoolConnection,
  database: string,
  migrations: Migration[],
): Promise<MigrateResult> {
  await conn.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version VARCHAR(255) NOT NULL PRIMARY KEY,
       checksum CHAR(64) NOT NULL,
       applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
     ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  );
  const [rows] = await conn.query<RowDataPacket[]>('SELECT version, checksum FROM schema_migrations');
  const applied = new Map(rows.map((r) => [String(r.version), String(r.checksum)]));
  // Check every file before changing anything, so a tampered history fails fast and whole.
  for (const m of migrations) {
    const known = applied.get(m.version);
    if (known !== undefined && known !== m.checksum)
      throw new EpipeError(
        'SERVER_MISCONFIGURED',
        `migration ${m.version}.sql was changed after it was applied to ${database} ` +
          `(applied checksum ${known.slice(0, 12)}…, file ${m.checksum.slice(0, 12)}…); ` +
          'add a new migration file instead of editing an applied one',
      );
  }
  const result: MigrateResult = { applied: [], skipped: [] };
  for (const m of migrations) {
    if (applied.has(m.version)) {
      result.skipped.push(m.version);
      continue;
    }
    for (const statement of splitStatements(m.sql)) await conn.query(statement);
    await conn.query('INSERT INTO schema_migrations (version, checksum) VALUES (?, ?)', [
      m.version,
      m.checksum,
    ]);
    result.applied.push(m.version);
  }
  return result;
}

async function seed(conn: PoolConnection): Promise<void> {
  await conn.query('INSERT IGNORE INTO fs_users (name) VALUES (?)', [SUPERUSER]);
  await conn.query('INSERT IGNORE INTO fs_groups (name) VALUES (?)', [SUPERGROUP]);
  await conn.query(
    `INSERT IGNORE INTO inodes (id, parent_id, name, is_dir, size, user_id, group_id, permission, mtime, logical_time)
     SELECT ?, 0, '', 1, 0, u.id, g.id, ?, ?, 0 FROM fs_users u, fs_groups g WHERE u.name = ? AND g.name = ?`,
    [ROOT_INODE_ID, 0o755, Date.now(), SUPERUSER, SUPERGROUP],
  );
}
