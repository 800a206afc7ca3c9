import { createServer, type Server, type Socket } from 'node:net';
import { logRowsLeft, waitFor } from '../support/checker';
import {
  daemonConfig,
  dropDaemonUser,
  type DaemonNames,
  type InProcessDaemon,
  prepareDaemon,
  startInProcess,
} from '../support/daemon';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { daemonHealth } from '../../services/epipe/src/runtime/health';
import { ROUTES, startHttpServer } from '../../services/epipe/src/runtime/http';

/**
 * A call that never returns wedges the leader: here "Elasticsearch" accepts connections and never
 * answers (with a request timeout far beyond the test). Rows wait in the log table and nothing
 * is acknowledged, so /healthz must turn 503 once health.stuckAfterMs passes: a restart is what
 * helps then. Before that, and while nothing waits, it says 200.
 */
describe('liveness of a stuck leader', () => {
  let db: TestDatabase;
  let names: DaemonNames;
  let daemon: InProcessDaemon;
  let blackhole: Server;
  const sockets: Socket[] = [];
  let http: Awaited<ReturnType<typeof startHttpServer>>;

  beforeAll(async () => {
    db = await createTestDatabase('stuck');
    names = await prepareDaemon(db.database);
    blackhole = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await http?.close();
    for (const s of sockets) s.destroy();
    blackhole?.close();
    await daemon?.stop();
    if (names) await dropDaemonUser(names);
    await db?.drop();
  });

  it('answers 503 on /healthz when rows wait and nothing moves for health.stuckAfterMs', async () => {
    const address = blackhole.address() as { port: number };
    daemon = startInProcess(
      daemonConfig(names, {
        EPIPE_KAFKA_ENABLED: 'false',
        EPIPE_ES_URL: `http://127.0.0.1:${address.port}`,
        EPIPE_ES_REQUEST_TIMEOUT_MS: '600000',
        EPIPE_ES_MAX_RETRIES: '0',
        EPIPE_STUCK_AFTER_MS: '3000',
        EPIPE_LOG_TABLE_POLL_MS: '200',
      }),
    );
    http = await startHttpServer(
      { host: '127.0.0.1', port: 0 },
      daemon.metrics,
      daemonHealth(daemon.state, daemon.progress),
    );
    const live = async (): Promise<[number, string]> => {
      const res = await fetch(`http://127.0.0.1:${http.port}${ROUTES.live}`);
      return [res.status, await res.text()];
    };
    await waitFor('the daemon to lead', () => Promise.resolve(daemon.state.leader));
    // Nothing waits: however long the sink hangs, the daemon is live.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await live()).toEqual([200, 'ok\n']);

    await db.nameNode.createProject('stuck', 'alice');
    await db.nameNode.mkdir('/Projects/stuck/data', { user: 'alice' });
    expect(await logRowsLeft(db.pool)).toBeGreaterThan(0);
    await waitFor('the leader to count the waiting rows', () =>
      Promise.resolve((daemon.state.logTable?.rows ?? 0) > 0),
    );
    expect((await live())[0]).toBe(200);
    await waitFor('/healthz to report the stuck leader', async () => (await live())[0] === 503, 30_000);
    expect((await live())[1]).toMatch(/^not live: no progress for \d+ s while log rows wait \(limit 3 s\)/);
  });
});
