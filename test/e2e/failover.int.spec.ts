import type { Delivery } from '@epipe/client';
import { logRowsLeft, waitFor, waitForEveryEvent } from '../support/checker';
import { serveHttp } from '../support/daemon';
import { createProjectDirs } from '../support/db';
import { E2eRun } from '../support/run';
import { ROUTES } from '../../services/epipe/src/runtime/http';

function gauge(metricsText: string, name: string): number | undefined {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/** One active instance per source database; a standby takes over when the leader goes. */
describe('leader lock and standby take-over', () => {
  let run: E2eRun;
  const servers: { close(): Promise<void> }[] = [];
  const received: Delivery[] = [];
  const fastLock = { EPIPE_LOCK_WAIT_MS: '200', EPIPE_LOG_TABLE_POLL_MS: '500' };

  beforeAll(async () => {
    run = await E2eRun.create('failover', { audit: true });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await run?.close();
  });

  it('keeps the second instance on standby, then hands over without losing a row', async () => {
    const first = run.startDaemon(fastLock);
    await waitFor('the first instance to be ready', () => Promise.resolve(first.state.ready));
    const second = run.startDaemon(fastLock);
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
    await run.subscribe(received, { dedupe: false });

    const ctx = { user: 'alice' };
    await createProjectDirs(run.db.nameNode, 'fo', ['data']);
    for (let i = 0; i < 20; i++) await run.db.nameNode.create(`/Projects/fo/data/a${i}`, ctx);
    await waitFor('the leader to drain the log', async () => (await logRowsLeft(run.pool)) === 0);
    expect(second.state.phase).toBe('standby');
    expect(second.state.ready).toBe(true);
    // The leader counted the drained table; a standby counts nothing.
    await waitFor('the leader to count the empty log table', () =>
      Promise.resolve(first.state.logTable?.rows === 0),
    );
    expect(second.state.logTable).toBeNull();

    await first.stop();
    for (let i = 0; i < 20; i++) await run.db.nameNode.create(`/Projects/fo/data/b${i}`, ctx);
    await waitFor('the standby to take over', () =>
      Promise.resolve(second.state.leader && second.state.phase === 'running' && second.state.ready),
    );
    expect(gauge((await standbyHttp.get(ROUTES.metrics))[1], 'epipe_leader')).toBe(1);
    await waitFor('the new leader to drain the log', async () => (await logRowsLeft(run.pool)) === 0);
    await waitForEveryEvent(run.pool, received);
    expect(await run.deliveryProblems(received)).toEqual([]);
  });
});
