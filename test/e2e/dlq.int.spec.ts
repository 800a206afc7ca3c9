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

/**
 * With Kafka off the pipeline keeps dead letters in the search sink's index
 * (`<index>-dead-letters`): `epipe dlq list/show` read them there, and `replay` works from them.
 */
describe('epipe dlq, Kafka off: the dead-letter index', () => {
  let db: TestDatabase;
  let names: DaemonNames;
  let daemon: InProcessDaemon;
  const env = testEnv();
  const kafkaOff = { EPIPE_KAFKA_ENABLED: 'false' };

  beforeAll(async () => {
    db = await createTestDatabase('dlqes');
    names = await prepareDaemon(db.database);
    daemon = startInProcess(daemonConfig(names, kafkaOff));
    await waitFor('the daemon to be ready', () => Promise.resolve(daemon.state.ready));
  });

  afterAll(async () => {
    await daemon?.stop();
    if (names) await dropDaemonUser(names);
    await db?.drop();
    if (names) {
      await fetch(`${env.elasticUrl}/${names.index}-dead-letters`, { method: 'DELETE' }).catch(
        () => undefined,
      );
    }
  });

  const cli = async (args: string[], overrides: Record<string, string> = {}) => {
    const io = memoryIo(daemonEnv(names, { ...kafkaOff, ...overrides }));
    const code = await dispatch(['dlq', ...args], io);
    return { code, out: io.stdout, err: io.stderr };
  };

  it('lists, shows and replays a letter the index keeps', async () => {
    // No index yet: nothing to list, and no error.
    const empty = await cli(['list']);
    expect(empty).toEqual({ code: 0, out: 'no dead letters\n', err: '' });

    await setupWorkload(db.nameNode, 'dlqes', 1);
    const ctx = { user: 'alice' };
    await db.nameNode.mkdir('/Projects/dlqes/Resources/x', ctx, { parents: true });
    const file = await db.nameNode.create('/Projects/dlqes/Resources/x/ok.csv', ctx, { size: 3 });
    const [[owner]] = await db.pool.query<RowDataPacket[]>(
      'SELECT user_id, group_id FROM inodes WHERE id = ?',
      [file.inodeId],
    );
    const missing = file.inodeId + 1_000;
    const [poison] = await db.pool.query<ResultSetHeader>(
      `INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, operation, logical_time, user_id, commit_ts_ms)
       VALUES (?, ?, 'late.csv', 0, ?, 1, ?, ?)`,
      [missing, file.parentId, Operation.CREATE, owner!.user_id, Date.now()],
    );
    const logId = poison.insertId;
    await waitFor('the log table to empty', async () => (await logRowsLeft(db.pool)) === 0);

    // The index is refreshed on its own schedule: wait until the letter is searchable.
    let listed = { code: -1, out: '[]', err: '' };
    await waitFor('the letter in the dead-letter index', async () => {
      listed = await cli(['list', '--json']);
      if (listed.err) throw new Error(listed.err);
      return (JSON.parse(listed.out || '[]') as unknown[]).length > 0;
    });
    expect(listed.err).toBe('');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({
        origin: 'index',
        id: `${logId}-enrich`,
        logId,
        stage: 'enrich',
        inodeId: missing,
        reason: expect.stringMatching(/no longer exists/),
      }),
    ]);
    expect((await cli(['list'])).out).toMatch(
      new RegExp(`index +${logId}-enrich +enrich +${logId} +${missing} `),
    );
    const shown = await cli(['show', String(logId)]);
    expect(shown.code).toBe(0);
    const [letter] = JSON.parse(shown.out);
    expect(letter).toMatchObject({ origin: 'index', index: `${names.index}-dead-letters` });
    expect(letter.letter.row).toMatchObject({ logId, inodeId: missing, name: 'late.csv' });

    await db.pool.query(
      `INSERT INTO inodes (id, parent_id, name, is_dir, size, user_id, group_id, permission, mtime, logical_time)
       VALUES (?, ?, 'late.csv', 0, 5, ?, ?, 420, ?, 1)`,
      [missing, file.parentId, owner!.user_id, owner!.group_id, Date.now()],
    );
    const operator = { EPIPE_MYSQL_USER: env.mysql.user, EPIPE_MYSQL_PASSWORD: env.mysql.password };
    const replayed = await cli(['replay', String(logId)], operator);
    expect(replayed.err).toBe('');
    expect(replayed.code).toBe(0);
    expect(replayed.out).toMatch(/replayed as log id \d+/);
    await waitFor('the document', async () =>
      (await searchDocuments(env.elasticUrl, names.index)).has(missing),
    );
  });

  it('still shows the index when the topic cannot be read, and says so', async () => {
    const res = await cli(['list', '--json'], {
      EPIPE_KAFKA_ENABLED: 'true',
      EPIPE_KAFKA_BROKERS: '127.0.0.1:1',
      EPIPE_KAFKA_CONNECT_TIMEOUT_MS: '200',
      EPIPE_KAFKA_REQUEST_TIMEOUT_MS: '500',
    });
    expect(res.code).toBe(1);
    expect(res.err).toMatch(new RegExp(`^epipe: reading ${names.topic}\\.dlq: `));
    expect(JSON.parse(res.out)).toEqual([expect.objectContaining({ origin: 'index', stage: 'enrich' })]);
  });
});
