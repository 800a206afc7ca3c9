import type { RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { NameNode } from './namenode';

/**
 * `logging: false` is the benchmark's baseline for the cost of the log row: the same inode
 * changes, committed the same way, with no fs_log row. A name node with the default keeps logging.
 */
let db: TestDatabase;
const alice = { user: 'alice' };

beforeAll(async () => {
  db = await createTestDatabase('t_logflag', { connectionLimit: 2 });
});

afterAll(async () => {
  await db.drop();
});

async function count(table: string): Promise<number> {
  const [rows] = await db.pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(rows[0]?.n);
}

it('changes inodes but writes no log row when logging is off', async () => {
  const logged = new NameNode(db.pool);
  const silent = new NameNode(db.pool, { logging: false });
  await logged.createProject('p', 'alice');
  const before = await count('fs_log');

  await silent.mkdir('/Projects/p/ds', alice);
  const created = await silent.create('/Projects/p/ds/a.csv', alice, { size: 1 });
  const appended = await silent.append('/Projects/p/ds/a.csv', 9, alice);
  await silent.setXattr('/Projects/p/ds/a.csv', 'tag', 'x', alice);
  await silent.read('/Projects/p/ds/a.csv', alice);

  expect(await count('fs_log')).toBe(before);
  const stat = await silent.stat('/Projects/p/ds/a.csv');
  expect(stat).toMatchObject({ id: created.inodeId, size: 10, logicalTime: 3 });
  expect(appended.logicalTime).toBe(2);

  await logged.append('/Projects/p/ds/a.csv', 1, alice);
  expect(await count('fs_log')).toBe(before + 1);
});
