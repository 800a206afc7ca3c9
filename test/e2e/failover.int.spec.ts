import { createSubscriber, type Subscriber } from '@epipe/client';
import {
  checkKafka,
  checkSearchState,
  installAudit,
  logRowsLeft,
  type Received,
  waitFor,
} from '../support/checker';
import {
  daemonConfig,
  dropDaemonUser,
  type DaemonNames,
  type InProcessDaemon,
  prepareDaemon,
  startInProcess,
} from '../support/daemon';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testEnv } from '../support/env';

/** One active instance per source database; a standby takes over when the leader goes. */
describe('leader lock and standby take-over', () => {
  let db: TestDatabase;
  let names: DaemonNames;
  let first: InProcessDaemon;
  let second: InProcessDaemon;
  let subscriber: Subscriber;
  const received: Received[] = [];
  const env = testEnv();

  beforeAll(async () => {
    db = await createTestDatabase('failover');
    await installAudit(db.pool);
    names = await prepareDaemon(db.database);
  });

  afterAll(async () => {
    await subscriber?.stop();
    await first?.stop();
    await second?.stop();
    if (names) await dropDaemonUser(names);
    await db?.drop();
  });

  it('keeps the second instance on standby, then hands over without losing a row', async () => {
    first = startInProcess(daemonConfig(names, { EPIPE_LOCK_WAIT_MS: '200' }));
    await waitFor('the first instance to be ready', () => Promise.resolve(first.state.ready));
    second = startInProcess(daemonConfig(names, { EPIPE_LOCK_WAIT_MS: '200' }));
    await waitFor('the second instance to stand by', () => Promise.resolve(second.state.phase === 'standby'));
    subscriber = createSubscriber({
      brokers: env.kafkaBrokers,
      topic: names.topic,
      groupId: `${names.topic}-check`,
      dedupe: false,
    });
    await subscriber.start(({ event, partition, offset }) => {
      received.push({ event, partition, offset });
    });

    const ctx = { user: 'alice' };
    await db.nameNode.createProject('fo', 'alice');
    await db.nameNode.mkdir('/Projects/fo/data', ctx);
    for (let i = 0; i < 20; i++) await db.nameNode.create(`/Projects/fo/data/a${i}`, ctx);
    await waitFor('the leader to drain the log', async () => (await logRowsLeft(db.pool)) === 0);
    expect(second.state.phase).toBe('standby');

    await first.stop();
    for (let i = 0; i < 20; i++) await db.nameNode.create(`/Projects/fo/data/b${i}`, ctx);
    await waitFor('the standby to take over', () => Promise.resolve(second.state.ready));
    await waitFor('the new leader to drain the log', async () => (await logRowsLeft(db.pool)) === 0);
    const [rows] = await db.pool.query('SELECT COUNT(*) AS n FROM fs_log_audit');
    const expected = Number((rows as { n: number }[])[0]!.n);
    await waitFor('every event', () =>
      Promise.resolve(new Set(received.map((r) => r.event.logId)).size >= expected),
    );
    const report = await checkKafka(db.pool, received);
    expect(report.missing).toEqual([]);
    expect(report.orderViolations).toEqual([]);
    expect(await checkSearchState(db.pool, env.elasticUrl, names.index)).toEqual([]);
  });
});
