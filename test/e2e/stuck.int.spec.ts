import { createServer, type Server, type Socket } from 'node:net';
import { logRowsLeft, waitFor } from '../support/checker';
import { serveHttp } from '../support/daemon';
import { createProjectDirs } from '../support/db';
import { E2eRun } from '../support/run';
import { ROUTES } from '../../services/epipe/src/runtime/http';

/**
 * A call that never returns wedges the leader: here "Elasticsearch" accepts connections and never
 * answers (with a request timeout far beyond the test). Rows wait in the log table and nothing
 * is acknowledged, so /healthz must turn 503 once health.stuckAfterMs passes: a restart is what
 * helps then. Before that, and while nothing waits, it says 200.
 */
describe('liveness of a stuck leader', () => {
  let run: E2eRun;
  let blackhole: Server;
  const sockets: Socket[] = [];
  let http: Awaited<ReturnType<typeof serveHttp>>;

  beforeAll(async () => {
    run = await E2eRun.create('stuck');
    blackhole = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await http?.close();
    for (const s of sockets) s.destroy();
    blackhole?.close();
    await run?.close();
  });

  it('answers 503 on /healthz when rows wait and nothing moves for health.stuckAfterMs', async () => {
    const address = blackhole.address() as { port: number };
    const daemon = run.startDaemon({
      EPIPE_KAFKA_ENABLED: 'false',
      EPIPE_ES_URL: `http://127.0.0.1:${address.port}`,
      EPIPE_ES_REQUEST_TIMEOUT_MS: '600000',
      EPIPE_ES_MAX_RETRIES: '0',
      EPIPE_STUCK_AFTER_MS: '3000',
      EPIPE_LOG_TABLE_POLL_MS: '200',
    });
    http = await serveHttp(daemon);
    const live = () => http.get(ROUTES.live);
    await waitFor('the daemon to lead', () => Promise.resolve(daemon.state.leader));
    // Nothing waits: however long the sink hangs, the daemon is live.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await live()).toEqual([200, 'ok\n']);

    await createProjectDirs(run.db.nameNode, 'stuck', ['data']);
    expect(await logRowsLeft(run.pool)).toBeGreaterThan(0);
    await waitFor('the leader to count the waiting rows', () =>
      Promise.resolve((daemon.state.logTable?.rows ?? 0) > 0),
    );
    expect((await live())[0]).toBe(200);
    await waitFor('/healthz to report the stuck leader', async () => (await live())[0] === 503, 30_000);
    expect((await live())[1]).toMatch(/^not live: no progress for \d+ s while log rows wait \(limit 3 s\)/);
  });
});
