import { createSubscriber, type Delivery, type Subscriber } from '@epipe/client';
import { Operation } from '@epipe/core';
import { setupWorkload } from '@epipe/workload';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { dispatch } from '../../services/epipe/src/cli/index';
import { memoryIo } from '../../services/epipe/src/cli/io';
import { logRowsLeft, searchDocuments, waitFor } from '../support/checker';
import {
  daemonConfig,
  daemonEnv,
  dropDaemonUser,
  type DaemonNames,
  type InProcessDaemon,
  prepareDaemon,
  startInProcess,
} from '../support/daemon';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testEnv } from '../support/env';

/**
 * The operator's dead-letter loop on the real stack: a row no stage can process reaches the
 * dead-letter topic, `epipe dlq list/show` find it, the cause is fixed, `epipe dlq replay`
 * writes the row again and its event arrives; a second replay writes nothing.
 */
describe('epipe dlq', () => {
  let db: TestDatabase;
  let names: DaemonNames;
  let daemon: InProcessDaemon;
  let subscriber: Subscriber;
  const received: Delivery[] = [];
  const env = testEnv();

  beforeAll(async () => {
    db = await createTestDatabase('dlq');
    names = await prepareDaemon(db.database);
    daemon = startInProcess(daemonConfig(names));
    await waitFor('the daemon to be ready', () => Promise.resolve(daemon.state.ready));
    subscriber = createSubscriber({
      brokers: env.kafkaBrokers,
      topic: names.topic,
      groupId: `${names.topic}-check`,
    });
    await subscriber.start((d) => void received.push(d));
  });

  afterAll(async () => {
    await subscriber?.stop();
    await daemon?.stop();
    if (names) await dropDaemonUser(names);
    await db?.drop();
  });

  const cli = async (args: string[], overrides: Record<string, string> = {}) => {
    const io = memoryIo(daemonEnv(names, overrides));
    const code = await dispatch(['dlq', ...args], io);
    return { code, out: io.stdout, err: io.stderr };
  };

  it('lists and shows a poison row, replays it once the cause is fixed, and a second replay is a no-op', async () => {
    await setupWorkload(db.nameNode, 'dlq', 1);
    const ctx = { user: 'alice' };
    await db.nameNode.mkdir('/Projects/dlq/Resources/dlq', ctx, { parents: true });
    const file = await db.nameNode.create('/Projects/dlq/Resources/dlq/ok.csv', ctx, { size: 3 });
    const [[owner]] = await db.pool.query<RowDataPacket[]>(
      'SELECT user_id, group_id FROM inodes WHERE id = ?',
      [file.inodeId],
    );
    // A CREATE row for an inode the inodes table does not (yet) have: the enricher dead-letters it.
    const missing = file.inodeId + 1_000;
    const [poison] = await db.pool.query<ResultSetHeader>(
      `INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, operation, logical_time, user_id, commit_ts_ms)
       VALUES (?, ?, 'late.csv', 0, ?, 1, ?, ?)`,
      [missing, file.parentId, Operation.CREATE, owner!.user_id, Date.now()],
    );
    const logId = poison.insertId;
    await waitFor('the log table to empty', async () => (await logRowsLeft(db.pool)) === 0);

    const listed = await cli(['list', '--json']);
    expect(listed.err).toBe('');
    expect(listed.code).toBe(0);
    const letters = JSON.parse(listed.out) as {
      logId: number;
      stage: string;
      reason: string;
      inodeId: number;
    }[];
    expect(letters).toEqual([
      expect.objectContaining({
        logId,
        stage: 'enrich',
        inodeId: missing,
        reason: expect.stringMatching(/no longer exists/),
      }),
    ]);
    const table = await cli(['list']);
    expect(table.out).toMatch(new RegExp(`enrich +${logId} +${missing} `));
    const shown = await cli(['show', String(logId)]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out)[0].letter.row).toMatchObject({ logId, inodeId: missing, name: 'late.csv' });

    // The daemon's account may not insert into the log table: replays need an operator's account.
    const refused = await cli(['replay', String(logId)]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/INSERT command denied|CREATE command denied/);

    // The fix: the inode the row describes now exists.
    await db.pool.query(
      `INSERT INTO inodes (id, parent_id, name, is_dir, size, user_id, group_id, permission, mtime, logical_time)
       VALUES (?, ?, 'late.csv', 0, 5, ?, ?, 420, ?, 1)`,
      [missing, file.parentId, owner!.user_id, owner!.group_id, Date.now()],
    );
    const operator = { EPIPE_MYSQL_USER: env.mysql.user, EPIPE_MYSQL_PASSWORD: env.mysql.password };
    const replayed = await cli(['replay', String(logId)], operator);
    expect(replayed.err).toBe('');
    expect(replayed.code).toBe(0);
    const newLogId = Number(/replayed as log id (\d+)/.exec(replayed.out)?.[1]);
    expect(newLogId).toBeGreaterThan(logId);

    await waitFor('the replayed event', () =>
      Promise.resolve(received.some((d) => d.event.logId === newLogId && d.event.inodeId === missing)),
    );
    const event = received.find((d) => d.event.logId === newLogId)!.event;
    expect(event).toMatchObject({
      operation: 'CREATE',
      name: 'late.csv',
      path: '/Projects/dlq/Resources/dlq/late.csv',
    });
    await waitFor('the document', async () =>
      (await searchDocuments(env.elasticUrl, names.index)).has(missing),
    );

    const again = await cli(['replay', String(logId)], operator);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(new RegExp(`already replayed as log id ${newLogId}`));
    const [[count]] = await db.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM fs_log WHERE inode_id = ? AND log_id > ?',
      [missing, newLogId],
    );
    expect(Number(count!.n)).toBe(0);
    // Still exactly one letter: the replayed row went through.
    expect(JSON.parse((await cli(['list', '--json'])).out)).toHaveLength(1);
  });
});
