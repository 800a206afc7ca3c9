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
import { daemonHealth } from '../../services/epipe/src/runtime/health';
import { ROUTES, startHttpServer } from '../../services/epipe/src/runtime/http';

/** The daemon's HTTP endpoints for an in-process instance, as `epipe run` serves them. */
async function serveHttp(
  daemon: InProcessDaemon,
): Promise<{ get(path: string): Promise<[number, string]>; close(): Promise<void> }> {
  const http = await startHttpServer(
    { host: '127.0.0.1', port: 0 },
    daemon.metrics,
    daemonHealth(daemon.state, daemon.progress),
  );
  return {
    async get(path) {
      const res = await fetch(`http://127.0.0.1:${http.port}${path}`, { signal: AbortSignal.timeout(5_000) });
      return [res.status, await res.text()];
    },
    close: () => http.close(),
  };
}

function gauge(metricsText: string, name: string): number | undefined {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/** One active instance per source database; a standby takes over when the leader goes. */
describe('leader lock and standby take-over', () => {
  let db: TestDatabase;
  let names: DaemonNames;
  let first: InProcessDaemon;
  let second: InProcessDaemon;
  let subscriber: Subscriber;
  const servers: { close(): Promise<void> }[] = [];
  const received: Received[] = [];
  const env = testEnv();

  beforeAll(async () => {
    db = await createTestDatabase('failover');
    await installAudit(db.pool);
    names = await prepareDaemon(db.database);
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await subscriber?.stop();
    await first?.stop();
    await second?.stop();
    if (names) await dropDaemonUser(names);
    await db?.drop();
  });

  it('keeps the second instance on standby, then hands over without losing a row', async () => {
    first = startInProcess(
      daemonConfig(names, { EPIPE_LOCK_WAIT_MS: '200', EPIPE_LOG_TABLE_POLL_MS: '500' }),
    );
    await waitFor('the first instance to be ready', () => Promise.resolve(first.state.ready));
    second = startInProcess(
      daemonConfig(names, { EPIPE_LOCK_WAIT_MS: '200', EPIPE_LOG_TABLE_POLL_MS: '500' }),
    );
    await waitFor('the second instance to stand by', () => Promise.resolve(second.state.phase === 'standby'));

    // A healthy standby is ready and live (a rollout and a node drain can count on it); only
    // /status and the gauge tell which instance leads.
    const leaderHttp = await serveHttp(first);
    const standbyHttp = await serveHttp(second);
    servers.push(leaderHttp, standbyHttp);
    await waitFor('the standby to be ready', async () => (await standbyHttp.get(ROUTES.ready))[0] === 200);
    expect((await standbyHttp.get(ROUTES.live))[0]).toBe(200);
    expect(JSON.parse((await standbyHttp.get(ROUTES.status))[1])).toMatchObject({
      phase: 'standby',
      leader: false,
      ready: true,
    });
    expect(JSON.parse((await leaderHttp.get(ROUTES.status))[1])).toMatchObject({ leader: true, ready: true });
    expect(gauge((await standbyHttp.get(ROUTES.metrics))[1], 'epipe_leader')).toBe(0);
    expect(gauge((await leaderHttp.get(ROUTES.metrics))[1], 'epipe_leader')).toBe(1);
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
    expect(second.state.ready).toBe(true);
    // The leader counted the drained table; a standby counts nothing.
    await waitFor('the leader to count the empty log table', () =>
      Promise.resolve(first.state.logTable?.rows === 0),
    );
    expect(second.state.logTable).toBeNull();

    await first.stop();
    for (let i = 0; i < 20; i++) await db.nameNode.create(`/Projects/fo/data/b${i}`, ctx);
    await waitFor('the standby to take over', () =>
      Promise.resolve(second.state.leader && second.state.phase === 'running' && second.state.ready),
    );
    expect(gauge((await standbyHttp.get(ROUTES.metrics))[1], 'epipe_leader')).toBe(1);
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
