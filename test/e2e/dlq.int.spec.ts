import type { Delivery } from '@epipe/client';
import { Operation } from '@epipe/core';
import { setupWorkload } from '@epipe/workload';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { dispatch } from '../../services/epipe/src/cli/index';
import { memoryIo } from '../../services/epipe/src/cli/io';
import { waitFor } from '../support/checker';
import { E2eRun } from '../support/run';

/**
 * A row no stage can process: a CREATE for an inode the inodes table does not (yet) have, which
 * the enricher dead-letters, in a project of its own. Returns the row's log id, the inode it
 * names, and `fix()`, which writes that inode (the cause fixed, a replay then goes through).
 */
async function writePoisonRow(
  run: E2eRun,
  project: string,
  dir: string,
): Promise<{ logId: number; missing: number; fix(): Promise<void> }> {
  const { nameNode, pool } = run.db;
  await setupWorkload(nameNode, project, 1);
  const ctx = { user: 'alice' };
  await nameNode.mkdir(`/Projects/${project}/Resources/${dir}`, ctx, { parents: true });
  const file = await nameNode.create(`/Projects/${project}/Resources/${dir}/ok.csv`, ctx, { size: 3 });
  const [[owner]] = await pool.query<RowDataPacket[]>('SELECT user_id, group_id FROM inodes WHERE id = ?', [
    file.inodeId,
  ]);
  const missing = file.inodeId + 1_000;
  const [poison] = await pool.query<ResultSetHeader>(
    `INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, operation, logical_time, user_id, commit_ts_ms)
     VALUES (?, ?, 'late.csv', 0, ?, 1, ?, ?)`,
    [missing, file.parentId, Operation.CREATE, owner!.user_id, Date.now()],
  );
  const fix = async (): Promise<void> => {
    await pool.query(
      `INSERT INTO inodes (id, parent_id, name, is_dir, size, user_id, group_id, permission, mtime, logical_time)
       VALUES (?, ?, 'late.csv', 0, 5, ?, ?, 420, ?, 1)`,
      [missing, file.parentId, owner!.user_id, owner!.group_id, Date.now()],
    );
  };
  return { logId: poison.insertId, missing, fix };
}

/** `epipe dlq <args>` against the run's names, as an operator would type it. */
async function dlq(run: E2eRun, args: string[], overrides: Record<string, string> = {}) {
  const io = memoryIo(run.daemonEnv(overrides));
  const code = await dispatch(['dlq', ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

/** The operator's own account: the daemon's may not insert into the log table. */
const operatorOf = (run: E2eRun) => ({
  EPIPE_MYSQL_USER: run.env.mysql.user,
  EPIPE_MYSQL_PASSWORD: run.env.mysql.password,
});

/**
 * The operator's dead-letter loop on the real stack: a row no stage can process reaches the
 * dead-letter topic, `epipe dlq list/show` find it, the cause is fixed, `epipe dlq replay`
 * writes the row again and its event arrives; a second replay writes nothing.
 */
describe('epipe dlq', () => {
  let run: E2eRun;
  const received: Delivery[] = [];

  beforeAll(async () => {
    run = await E2eRun.create('dlq');
    await run.startReadyDaemon();
    await run.subscribe(received);
  });

  afterAll(() => run?.close());

  const cli = (args: string[], overrides: Record<string, string> = {}) => dlq(run, args, overrides);

  it('lists and shows a poison row, replays it once the cause is fixed, and a second replay is a no-op', async () => {
    const { logId, missing, fix } = await writePoisonRow(run, 'dlq', 'dlq');
    await run.waitForEmptyLog();

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
    await fix();
    const operator = operatorOf(run);
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
    await run.waitForDocument(missing);

    const again = await cli(['replay', String(logId)], operator);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(new RegExp(`already replayed as log id ${newLogId}`));
    const [[count]] = await run.pool.query<RowDataPacket[]>(
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
  let run: E2eRun;
  const kafkaOff = { EPIPE_KAFKA_ENABLED: 'false' };

  beforeAll(async () => {
    run = await E2eRun.create('dlqes');
    await run.startReadyDaemon(kafkaOff);
  });

  afterAll(() => run?.close());

  const cli = (args: string[], overrides: Record<string, string> = {}) =>
    dlq(run, args, { ...kafkaOff, ...overrides });

  it('lists, shows and replays a letter the index keeps', async () => {
    // No index yet: nothing to list, and no error.
    const empty = await cli(['list']);
    expect(empty).toEqual({ code: 0, out: 'no dead letters\n', err: '' });

    const { logId, missing, fix } = await writePoisonRow(run, 'dlqes', 'x');
    await run.waitForEmptyLog();

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
    expect(letter).toMatchObject({ origin: 'index', index: `${run.names.index}-dead-letters` });
    expect(letter.letter.row).toMatchObject({ logId, inodeId: missing, name: 'late.csv' });

    await fix();
    const operator = operatorOf(run);
    const replayed = await cli(['replay', String(logId)], operator);
    expect(replayed.err).toBe('');
    expect(replayed.code).toBe(0);
    expect(replayed.out).toMatch(/replayed as log id \d+/);
    await run.waitForDocument(missing);
  });

  it('still shows the index when the topic cannot be read, and says so', async () => {
    const res = await cli(['list', '--json'], {
      EPIPE_KAFKA_ENABLED: 'true',
      EPIPE_KAFKA_BROKERS: '127.0.0.1:1',
      EPIPE_KAFKA_CONNECT_TIMEOUT_MS: '200',
      EPIPE_KAFKA_REQUEST_TIMEOUT_MS: '500',
    });
    expect(res.code).toBe(1);
    expect(res.err).toMatch(new RegExp(`^epipe: reading ${run.names.topic}\\.dlq: `));
    expect(JSON.parse(res.out)).toEqual([expect.objectContaining({ origin: 'index', stage: 'enrich' })]);
  });
});
