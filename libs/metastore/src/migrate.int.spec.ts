import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EpipeError, LOG_COLUMNS } from '@epipe/core';
import { createConnection, createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { testEnv, uniqueName } from '../../../test/support/env';
import { dropEpipeUser, grantEpipeUser } from './grant';
import { loadMigrations, migrate, MIGRATIONS_DIR } from './migrate';

const { mysql } = testEnv();
let admin: Pool;
const databases: string[] = [];

function freshName(): string {
  const name = uniqueName('t_migrate');
  databases.push(name);
  return name;
}

async function one(sql: string, params: unknown[] = []): Promise<RowDataPacket | undefined> {
  const [rows] = await admin.query<RowDataPacket[]>(sql, params);
  return rows[0];
}

beforeAll(() => {
  admin = createPool({ ...mysql, connectionLimit: 2 });
});

afterAll(async () => {
  for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await admin.end();
});

describe('migrate', () => {
  it('creates the database, the tables, the root inode and the superuser; a second run is a no-op', async () => {
    const db = freshName();
    const versions = loadMigrations().map((m) => m.version);
    expect(await migrate(admin, db)).toEqual({ applied: versions, skipped: [] });
    expect(
      await one(
        'SELECT default_character_set_name AS cs, default_collation_name AS co FROM information_schema.schemata WHERE schema_name = ?',
        [db],
      ),
    ).toEqual({ cs: 'utf8mb4', co: 'utf8mb4_bin' });
    const [tables] = await admin.query<RowDataPacket[]>(
      'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY 1',
      [db],
    );
    expect(tables.map((t) => String(t.t))).toEqual(
      expect.arrayContaining([
        'inodes',
        'xattrs',
        'fs_log',
        'projects',
        'datasets',
        'applications',
        'schema_migrations',
      ]),
    );
    const [columns] = await admin.query<RowDataPacket[]>(
      "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ? AND table_name = 'fs_log' ORDER BY ordinal_position",
      [db],
    );
    // The columns the source reads (in the order it reads them), then the writing transaction's id.
    expect(columns.map((c) => String(c.c))).toEqual([...LOG_COLUMNS, 'tx_id']);
    const root = await one(`SELECT i.*, u.name AS owner, g.name AS grp FROM \`${db}\`.inodes i
      JOIN \`${db}\`.fs_users u ON u.id = i.user_id JOIN \`${db}\`.fs_groups g ON g.id = i.group_id`);
    expect(root).toMatchObject({
      id: 1,
      parent_id: 0,
      name: '',
      is_dir: 1,
      owner: 'hdfs',
      grp: 'hdfs',
      logical_time: 0,
    });

    const before = await one(`SELECT COUNT(*) AS n, MAX(applied_at) AS at FROM \`${db}\`.schema_migrations`);
    expect(await migrate(admin, db)).toEqual({ applied: [], skipped: versions });
    expect(await one(`SELECT COUNT(*) AS n, MAX(applied_at) AS at FROM \`${db}\`.schema_migrations`)).toEqual(
      before,
    );
    expect(await one(`SELECT COUNT(*) AS n FROM \`${db}\`.inodes`)).toEqual({ n: 1 });
    expect(await one(`SELECT COUNT(*) AS n FROM \`${db}\`.fs_users`)).toEqual({ n: 1 });
  });

  it('runs concurrently on one database without applying anything twice', async () => {
    const db = freshName();
    const results = await Promise.all([migrate(admin, db), migrate(admin, db)]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, loadMigrations().length]);
  });

  it('applies only new files, and refuses when an applied file changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'epipe-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const db = freshName();
      await migrate(admin, db, dir);
      writeFileSync(join(dir, '900_extra.sql'), 'CREATE TABLE IF NOT EXISTS extra (id INT PRIMARY KEY);');
      expect((await migrate(admin, db, dir)).applied).toEqual(['900_extra']);
      appendFileSync(join(dir, '001_namespace.sql'), '\n-- edited\n');
      const err = await migrate(admin, db, dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EpipeError);
      expect((err as EpipeError).code).toBe('SERVER_MISCONFIGURED');
      expect((err as EpipeError).message).toMatch(/001_namespace\.sql was changed after it was applied/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses unsafe database names before touching the server', async () => {
    await expect(migrate(admin, 'x`; DROP DATABASE mysql; --')).rejects.toThrow(/database name/);
  });
});

describe('grantEpipeUser', () => {
  const user = `ep_${Math.random().toString(36).slice(2, 10)}`;
  let db: string;

  beforeAll(async () => {
    db = freshName();
    await migrate(admin, db);
    await admin.query(
      `INSERT INTO \`${db}\`.fs_log (inode_id, parent_id, inode_name, is_dir, operation, logical_time, user_id, commit_ts_ms)
       VALUES (1, 0, 'x', 0, 1, 1, 1, 0), (1, 0, 'x', 0, 2, 2, 1, 0)`,
    );
  });

  afterAll(async () => {
    await dropEpipeUser(admin, user, '%');
  });

  async function as(password: string): Promise<Awaited<ReturnType<typeof createConnection>>> {
    return createConnection({ host: mysql.host, port: mysql.port, user, password, database: db });
  }

  async function denied(run: Promise<unknown>): Promise<string> {
    const err = (await run.catch((e: unknown) => e)) as { code?: string };
    expect(err?.code).toMatch(/DENIED/);
    return err.code!;
  }

  it('gives replication, SELECT, and DELETE on fs_log only', async () => {
    await grantEpipeUser(admin, { database: db, user, password: 'first-secret', host: '%' });
    const conn = await as('first-secret');
    try {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM fs_log');
      expect(rows[0]).toEqual({ n: 2 });
      await conn.query('SELECT * FROM inodes');
      const [deleted] = await conn.query<{ affectedRows: number } & RowDataPacket[]>(
        'DELETE FROM fs_log WHERE logical_time = 1',
      );
      expect(deleted.affectedRows).toBe(1);
      await denied(conn.query('DELETE FROM inodes WHERE id = 1'));
      await denied(conn.query('UPDATE fs_log SET logical_time = 9'));
      await denied(
        conn.query(
          "INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, operation, logical_time, user_id, commit_ts_ms) VALUES (1,0,'y',0,1,1,1,0)",
        ),
      );
      await denied(conn.query('DROP TABLE fs_log'));
      // Binlog monitoring works: this is what the source reads its start position with.
      await conn.query('SHOW BINARY LOGS');
      const [grants] = await conn.query<RowDataPacket[]>('SHOW GRANTS');
      const text = grants.map((g) => String(Object.values(g)[0])).join('\n');
      expect(text).toMatch(/REPLICATION SLAVE/);
      expect(text).toMatch(/BINLOG MONITOR|REPLICATION CLIENT/);
    } finally {
      await conn.end();
    }
    expect(await one(`SELECT COUNT(*) AS n FROM \`${db}\`.inodes`)).toEqual({ n: 1 });
  });

  it('is idempotent and updates the password', async () => {
    await grantEpipeUser(admin, { database: db, user, password: 'second-secret', host: '%' });
    await denied(as('first-secret'));
    const conn = await as('second-secret');
    await conn.end();
  });
});
