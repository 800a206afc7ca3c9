import { EpipeError } from '@epipe/core';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, snapshotTables, type TestDatabase } from '../../../test/support/db';
import { testEnv } from '../../../test/support/env';
import { NameNode } from './namenode';

/**
 * An operation's last fs_log INSERT and its COMMIT travel as one multi-statement query: one round
 * trip fewer per operation. The write side stays transactional: a log row the server refuses
 * never reaches the COMMIT, and the inode change rolls back with it.
 */
let db: TestDatabase;
let counted: Pool;
/** The text of every query the counted pool's connection sent, one entry per round trip. */
const sent: string[] = [];
const alice = { user: 'alice' };

beforeAll(async () => {
  db = await createTestDatabase('t_commit', { connectionLimit: 2 });
  counted = createPool({
    ...testEnv().mysql,
    database: db.database,
    connectionLimit: 1,
    multipleStatements: true,
  });
  // Wraps the driver connection's query, which sends one COM_QUERY packet per call.
  counted.on('connection', (conn) => {
    const core = conn as unknown as { query: (...args: unknown[]) => unknown };
    const query = core.query.bind(core);
    core.query = (...args: unknown[]) => {
      const sql = args[0];
      sent.push(typeof sql === 'string' ? sql : String((sql as { sql?: unknown }).sql));
      return query(...args);
    };
  });
  await db.nameNode.createProject('p', 'alice');
  await db.nameNode.createDataset('p', 'd', alice);
});

afterAll(async () => {
  await counted.end();
  await db.drop();
});

async function roundTrips(run: () => Promise<unknown>): Promise<string[]> {
  sent.length = 0;
  await run();
  return sent.splice(0);
}

it('an append is 5 round trips: the log INSERT and the COMMIT are one', async () => {
  const nn = new NameNode(counted);
  await nn.create('/Projects/p/d/a.csv', alice, { size: 1 }); // warms the session and the user cache

  const queries = await roundTrips(() => nn.append('/Projects/p/d/a.csv', 9, alice));

  expect(queries).toHaveLength(5);
  expect(queries[4]).toMatch(/^INSERT INTO fs_log .*; COMMIT$/s);
  expect(await nn.stat('/Projects/p/d/a.csv')).toMatchObject({ size: 10, logicalTime: 2 });
  const [rows] = await db.pool.query<RowDataPacket[]>(
    "SELECT logical_time FROM fs_log WHERE inode_name = 'a.csv' ORDER BY log_id",
  );
  expect(rows.map((r) => Number(r.logical_time))).toEqual([1, 2]);
});

it('with a beforeCommit hook, which must run between them, the INSERT and the COMMIT stay apart', async () => {
  const hooked: string[] = [];
  const nn = new NameNode(counted, { hooks: { beforeCommit: (op) => void hooked.push(op) } });
  await nn.create('/Projects/p/d/h.csv', alice, { size: 1 });

  const queries = await roundTrips(() => nn.append('/Projects/p/d/h.csv', 1, alice));

  expect(queries).toHaveLength(6);
  expect(queries.slice(4)).toEqual([expect.stringMatching(/^INSERT INTO fs_log /), 'COMMIT']);
  expect(hooked).toEqual(['create', 'append']);
});

describe('a log row the server refuses', () => {
  beforeAll(async () => {
    // Stands in for any refusal of the INSERT (a constraint, a permission, a full disk).
    await db.pool.query(
      `CREATE TRIGGER refuse_log BEFORE INSERT ON fs_log FOR EACH ROW
       IF NEW.inode_name LIKE 'refused%' THEN
         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'log row refused';
       END IF`,
    );
  });

  afterAll(async () => {
    await db.pool.query('DROP TRIGGER IF EXISTS refuse_log');
  });

  it('rolls the inode change back, surfaces the error, and leaves the connection usable', async () => {
    const nn = new NameNode(counted);
    // The trigger refuses every row of this name: insert the file behind the name node's back.
    const [dir] = await db.pool.query<RowDataPacket[]>("SELECT id FROM inodes WHERE name = 'd'");
    await db.pool.query(
      `INSERT INTO inodes (parent_id, name, is_dir, size, user_id, group_id, permission, mtime, logical_time)
       SELECT ?, 'refused.csv', 0, 5, user_id, group_id, 420, 0, 1 FROM inodes WHERE id = ?`,
      [dir[0]!.id, dir[0]!.id],
    );
    const before = await snapshotTables(db.pool);

    const err = await nn.append('/Projects/p/d/refused.csv', 7, alice).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'ER_SIGNAL_EXCEPTION', message: 'log row refused' });
    expect(await snapshotTables(db.pool)).toEqual(before);
    expect(await nn.stat('/Projects/p/d/refused.csv')).toMatchObject({ size: 5, logicalTime: 1 });
    // The same (only) connection of the pool commits the next operation.
    await expect(nn.append('/Projects/p/d/a.csv', 1, alice)).resolves.toMatchObject({ logicalTime: 3 });
  });

  it('rolls back every inode of a multi-row transaction', async () => {
    const nn = new NameNode(counted);
    const before = await snapshotTables(db.pool);

    await expect(nn.create('/Projects/p/d/x/y/refused-too.csv', alice, { parents: true })).rejects.toThrow(
      'log row refused',
    );

    expect(await snapshotTables(db.pool)).toEqual(before);
    expect(await nn.stat('/Projects/p/d/x')).toBeNull();
  });
});

it('refuses a pool without multipleStatements, naming the option', async () => {
  const plain = createPool({ ...testEnv().mysql, database: db.database, connectionLimit: 1 });
  try {
    const err = (() => {
      try {
        return new NameNode(plain);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(EpipeError);
    expect((err as EpipeError).code).toBe('CONFIG_INVALID');
    expect((err as EpipeError).message).toMatch(/multipleStatements: true/);
  } finally {
    await plain.end();
  }
});
