import { createMetrics } from '@epipe/core';
import { daemonHealth } from './health';
import { ROUTES, startHttpServer } from './http';
import { ProgressWatch } from './progress';
import { createDaemonState } from './supervisor';

describe('daemon health over HTTP', () => {
  let now = 1_000_000;
  const state = createDaemonState();
  const progress = new ProgressWatch(60_000, () => now);
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  const get = async (path: string): Promise<[number, string]> => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return [res.status, await res.text()];
  };

  beforeAll(async () => {
    server = await startHttpServer(
      { host: '127.0.0.1', port: 0 },
      createMetrics(),
      daemonHealth(state, progress),
    );
  });
  afterAll(() => server.close());

  it('a healthy standby is live and ready, and says it does not lead', async () => {
    Object.assign(state, { phase: 'standby', ready: true, leader: false });
    progress.pending(true); // rows wait, but they are the leader's work
    now += 3_600_000;
    expect(await get(ROUTES.live)).toEqual([200, 'ok\n']);
    expect(await get(ROUTES.ready)).toEqual([200, 'ready\n']);
    expect(JSON.parse((await get(ROUTES.status))[1])).toMatchObject({
      leader: false,
      stuck: null,
      stalledMs: 0,
    });
  });

  it('a leader with rows waiting and no progress past the limit is not live', async () => {
    Object.assign(state, { phase: 'running', ready: true, leader: true });
    progress.progress();
    progress.pending(true);
    now += 59_000;
    expect((await get(ROUTES.live))[0]).toBe(200);
    now += 2_000;
    const [code, body] = await get(ROUTES.live);
    expect(code).toBe(503);
    expect(body).toMatch(/^not live: no progress for 61 s while log rows wait/);
    expect(JSON.parse((await get(ROUTES.status))[1])).toMatchObject({ leader: true, stalledMs: 61_000 });
    progress.progress();
    expect((await get(ROUTES.live))[0]).toBe(200);
  });

  it('a stopped daemon is neither live nor ready', async () => {
    Object.assign(state, { phase: 'stopped', ready: false, leader: false });
    expect(await get(ROUTES.live)).toEqual([503, 'not live: stopped\n']);
    expect((await get(ROUTES.ready))[0]).toBe(503);
  });
});
