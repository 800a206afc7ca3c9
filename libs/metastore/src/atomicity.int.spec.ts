import { EpipeError, Operation } from '@epipe/core';
import { createTestDatabase, LogTail, snapshotTables, type TestDatabase } from '../../../test/support/db';
import { NameNode } from './namenode';

/**
 * An inode change and its log rows commit together or not at all: a failure injected right
 * before COMMIT (after every row is written) must leave no trace, nor must a constraint failure
 * in the middle of a multi-row transaction.
 */
let db: TestDatabase;
let nn: NameNode;
let failOn: string | null = null;
const alice = { user: 'alice' };

beforeAll(async () => {
  db = await createTestDatabase('t_atomic', { connectionLimit: 2 });
  nn = new NameNode(db.pool, {
    hooks: {
      beforeCommit: (operation) => {
        if (operation === failOn) throw new Error(`injected failure in ${operation}`);
      },
    },
  });
});

afterAll(async () => {
  await db.drop();
});

async function expectNoTrace(operation: string, run: () => Promise<unknown>): Promise<void> {
  const before = await snapshotTables(db.pool);
  failOn = operation;
  try {
    await expect(run()).rejects.toThrow(`injected failure in ${operation}`);
  } finally {
    failOn = null;
  }
  expect(await snapshotTables(db.pool)).toEqual(before);
}

it('a constraint failure after the first writes rolls back /Projects, the project inode and their log rows', async () => {
  // A stale projects row with the name makes the projects INSERT fail after two inode inserts.
  await db.pool.query(
    "INSERT INTO projects (name, inode_id, owner_id, created_ms) VALUES ('clash', 999999, 1, 0)",
  );
  const before = await snapshotTables(db.pool);
  const err = await nn.createProject('clash', 'alice').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(EpipeError);
  expect((err as EpipeError).message).toMatch(/already exists/);
  expect(await snapshotTables(db.pool)).toEqual(before);
  expect(await nn.stat('/Projects')).toBeNull();
});

it('an injected failure before COMMIT leaves nothing behind, for every operation', async () => {
  await expectNoTrace('createProject', () => nn.createProject('p', 'alice'));
  await nn.createProject('p', 'alice');
  await expectNoTrace('createDataset', () => nn.createDataset('p', 'd', alice));
  await nn.createDataset('p', 'd', alice);
  await expectNoTrace('mkdir', () => nn.mkdir('/Projects/p/d/x/y/z', alice, { parents: true }));
  await nn.mkdir('/Projects/p/d/x/y', alice, { parents: true });
  await expectNoTrace('create', () => nn.create('/Projects/p/d/x/y/f', alice));
  await nn.create('/Projects/p/d/x/y/f', alice);
  await expectNoTrace('append', () => nn.append('/Projects/p/d/x/y/f', 10, alice));
  await expectNoTrace('truncate', () => nn.truncate('/Projects/p/d/x/y/f', 0, alice));
  await expectNoTrace('read', () => nn.read('/Projects/p/d/x/y/f', alice));
  await expectNoTrace('chmod', () => nn.chmod('/Projects/p/d/x/y/f', 0o600, alice));
  await expectNoTrace('setXattr', () => nn.setXattr('/Projects/p/d/x/y/f', 'k', 'v', alice));
  await nn.setXattr('/Projects/p/d/x/y/f', 'k', 'v', alice);
  await expectNoTrace('setXattr', () => nn.setXattr('/Projects/p/d/x/y/f', 'k', 'v2', alice));
  await expectNoTrace('removeXattr', () => nn.removeXattr('/Projects/p/d/x/y/f', 'k', alice));
  await expectNoTrace('rename', () => nn.rename('/Projects/p/d/x', '/Projects/p/d/x2', alice));
  await expectNoTrace('delete', () => nn.delete('/Projects/p/d', alice, { recursive: true }));
});

it('after the failures the same operations commit their change and log rows together', async () => {
  const tail = new LogTail(db.pool);
  await tail.next();
  const f = '/Projects/p/d/x/y/f';
  const before = (await nn.stat(f))!;
  await nn.append(f, 10, alice);
  await nn.delete('/Projects/p/d', alice, { recursive: true });
  const rows = await tail.next();
  expect(rows[0]).toMatchObject({
    inode_id: before.id,
    operation: Operation.APPEND,
    logical_time: before.logicalTime + 1,
  });
  expect(rows.slice(1).map((r) => r.inode_name)).toEqual(['f', 'y', 'x', 'd']);
  expect(rows[1]).toMatchObject({
    inode_id: before.id,
    operation: Operation.DELETE,
    logical_time: before.logicalTime + 2,
  });
});
