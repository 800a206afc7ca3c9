import { Operation } from '@epipe/core';
import { setupWorkload } from '@epipe/workload';
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { ExpectedDeadLetter } from '../support/checker';
import { startLoad } from './support/load';
import { sleepMs } from './support/child-daemon';
import { expectNoLoss, expectStayedUp, useFaultScenario } from './support/scenario';

/** HopsFS' xattr value limit, epipe's default enrich.maxXattrBytes. */
const MAX_XATTR_BYTES = 13_500;

/**
 * Rows no stage can process, written by SQL among ordinary writes, and documents the index
 * refuses: each must reach the dead-letter topic with its row and reason, be counted, have its
 * log row deleted, and the stream must go on behind it (with no restart: a poison row must never
 * loop, and a refusal of one document must not stop the daemon).
 */
describe('fault: poison rows', () => {
  const scenario = useFaultScenario('fault_poison');

  it('dead-letters each poison row once, counts it, deletes it, and delivers the rows behind it', async () => {
    const s = scenario();
    const setup = await setupWorkload(s.nameNode, 'poison', 2);
    const ctx = { user: 'alice' };
    const dir = '/Projects/poison/Resources/target';
    await s.nameNode.mkdir(dir, ctx);
    const file = await s.nameNode.create(`${dir}/victim.csv`, ctx, { size: 10 });
    await s.daemon.startReady();
    const load = startLoad(s.nameNode, setup, { writers: 2, ratePerSec: 100, seed: 17 });

    const poison = new Map<number, ExpectedDeadLetter>();
    const conn = await s.pool.getConnection();
    try {
      const base = {
        inode_id: file.inodeId,
        parent_id: file.parentId,
        inode_name: 'victim.csv',
        is_dir: 0,
        operation: Operation.APPEND,
        logical_time: file.logicalTime,
      };
      await sleepMs(1_000);
      // An operation code no epipe knows.
      poison.set(await insertLogRow(conn, { ...base, operation: 99 }), {
        stage: 'parse',
        reason: /unknown operation code 99/,
      });
      // A value that does not decode: is_dir must be 0 or 1.
      poison.set(await insertLogRow(conn, { ...base, is_dir: 7 }), {
        stage: 'parse',
        reason: /column is_dir: expected 0 or 1, got number 7/,
      });
      // A row for an inode that never existed, and no DELETE for it.
      poison.set(
        await insertLogRow(conn, {
          ...base,
          inode_id: 999_999_999,
          inode_name: 'phantom',
          operation: Operation.CREATE,
        }),
        { stage: 'enrich', reason: /inode 999999999 no longer exists and no DELETE for it is pending/ },
      );
      // A 200 KB xattr with its XATTR_ADD row, in one transaction, as a name node would write it.
      await conn.query('START TRANSACTION');
      await conn.query('UPDATE inodes SET logical_time = logical_time + 1 WHERE id = ?', [file.inodeId]);
      const [[inode]] = await conn.query<RowDataPacket[]>('SELECT logical_time FROM inodes WHERE id = ?', [
        file.inodeId,
      ]);
      await conn.query('INSERT INTO xattrs (inode_id, namespace, name, value) VALUES (?, 0, ?, ?)', [
        file.inodeId,
        'huge',
        Buffer.alloc(200 * 1024, 'x'),
      ]);
      const xattrRow = await insertLogRow(conn, {
        ...base,
        operation: Operation.XATTR_ADD,
        logical_time: Number(inode!.logical_time),
        xattr_name: 'huge',
      });
      await conn.query('COMMIT');
      poison.set(xattrRow, {
        stage: 'enrich',
        reason: /xattr huge of inode \d+ is 204800 bytes, over the 13500-byte limit/,
      });
      // Documents the index refuses: paths over the 32,766-byte limit of a keyword term (names of
      // 4-byte characters, 34 levels deep). Their events still go to Kafka; the index has none.
      for (const { logId, inodeId } of await createDeepChain(conn, file.parentId, dir, 34)) {
        poison.set(logId, {
          stage: 'elasticsearch',
          reason: /failed to parse field \[path\] of type \[keyword\]/,
          inodeId,
        });
      }
    } finally {
      conn.release();
    }
    // The stream goes on: ordinary writes after the poison rows are delivered too.
    await sleepMs(2_000);
    const after = await s.nameNode.create(`${dir}/after.csv`, ctx, { size: 1 });
    await s.nameNode.setXattr(`${dir}/victim.csv`, 'small', 'fine', ctx);
    const stats = await load.stop();

    const { report, problems } = await s.check('poison rows', { poison, maxXattrBytes: MAX_XATTR_BYTES });
    process.stdout.write(
      `[fault report]   ${stats.operations} operations; poison log ids ${[...poison.keys()].join(', ')}\n`,
    );
    expectNoLoss({ report, problems });
    expect(after.inodeId).toBeGreaterThan(file.inodeId);
    expect({
      parse: await s.daemon.metric('epipe_dead_letters_total', { stage: 'parse' }),
      enrich: await s.daemon.metric('epipe_dead_letters_total', { stage: 'enrich' }),
      elasticsearch: await s.daemon.metric('epipe_dead_letters_total', { stage: 'elasticsearch' }),
      restarts: await s.daemon.metric('epipe_restarts_total'),
    }).toEqual({ parse: 2, enrich: 2, elasticsearch: 2, restarts: 0 });
    expectStayedUp(s);
  }, 300_000);
});

/**
 * `depth` nested entries below `parentId` (directories, the last a file), each with its CREATE
 * row, in one transaction. Returns the log row and inode of those whose path is too long for a
 * keyword term.
 */
async function createDeepChain(
  conn: PoolConnection,
  parentId: number,
  parentPath: string,
  depth: number,
): Promise<{ logId: number; inodeId: number }[]> {
  const [[owner]] = await conn.query<RowDataPacket[]>('SELECT user_id, group_id FROM inodes WHERE id = ?', [
    parentId,
  ]);
  const tooLong: { logId: number; inodeId: number }[] = [];
  await conn.query('START TRANSACTION');
  let parent = parentId;
  let path = parentPath;
  for (let level = 1; level <= depth; level++) {
    const name = `d${String(level).padStart(3, '0')}${'\u{1F600}'.repeat(251)}`;
    const isDir = level < depth ? 1 : 0;
    const [inode] = await conn.query<ResultSetHeader>(
      `INSERT INTO inodes (parent_id, name, is_dir, size, user_id, group_id, permission, mtime, logical_time)
       VALUES (?, ?, ?, 0, ?, ?, 493, ?, 1)`,
      [parent, name, isDir, owner!.user_id, owner!.group_id, Date.now()],
    );
    const logId = await insertLogRow(conn, {
      inode_id: inode.insertId,
      parent_id: parent,
      inode_name: name,
      is_dir: isDir,
      operation: Operation.CREATE,
      logical_time: 1,
      user_id: owner!.user_id,
    });
    path = `${path}/${name}`;
    if (Buffer.byteLength(path) > 32_766) tooLong.push({ logId, inodeId: inode.insertId });
    parent = inode.insertId;
  }
  await conn.query('COMMIT');
  return tooLong;
}

/** Inserts one fs_log row by SQL, columns not given taken from a plain APPEND; returns its log id. */
async function insertLogRow(conn: PoolConnection, row: Record<string, unknown>): Promise<number> {
  const full: Record<string, unknown> = {
    project_id: null,
    dataset_id: null,
    app_id: null,
    user_id: 1,
    xattr_name: null,
    commit_ts_ms: Date.now(),
    ...row,
  };
  const columns = Object.keys(full);
  const [result] = await conn.query<ResultSetHeader>(
    `INSERT INTO fs_log (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    columns.map((c) => full[c]),
  );
  return result.insertId;
}
