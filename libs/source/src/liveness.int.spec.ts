import type { RowDataPacket } from 'mysql2/promise';
import { testEnv } from '../../../test/support/env';
import type { SourceConfig } from './config';
import { SilenceableProxy } from './testing/proxy';
import { SourceRun } from './testing/run';
import { useEpipeAccount, useTestDatabase } from './testing/database';
import { gaugeValue, insertRows, sourceConfig, testSource } from './testing/setup';

// Start-up and the server's own pace, not epipe's speed, set these waits.
jest.setTimeout(120_000);

/**
 * Connection loss and shutdown. epipe connects as its own least-privilege account here, which
 * also tells its binlog dump thread apart from those of anything else using the server.
 */
describe('liveness and shutdown', () => {
  const t = useTestDatabase('source_liveness');
  const account = useEpipeAccount(t, 'epipe_src');
  const { user, password } = account;

  const server = () => ({ ...testEnv().mysql, user, password });

  async function dumpThreads(): Promise<number[]> {
    const [rows] = await account.admin.query<RowDataPacket[]>(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Binlog Dump' AND USER = ?",
      [user],
    );
    return rows.map((r) => Number(r.ID));
  }

  async function startRun(overrides: Partial<SourceConfig>, connectTo = server()) {
    const { source, metrics } = testSource(sourceConfig(connectTo, t.db.database, overrides));
    const run = new SourceRun(source);
    await waitUntil(async () => run.finished || (await gaugeValue(metrics.sourceConnected)) === 1);
    return { run, metrics };
  }

  it('throws a retriable SOURCE_CONNECTION error when the server kills the binlog dump', async () => {
    // A long heartbeat: the error must come from the kill itself, not from the watchdog.
    const { run, metrics } = await startRun({ heartbeatMs: 600_000 });
    try {
      const [id] = await insertRows(t.writer, t.db.database, 1);
      await run.waitFor((r) => r.ids().includes(id!), 'the tail to stream');
      const threads = await dumpThreads();
      expect(threads).toHaveLength(1);
      await account.admin.query(`KILL ${threads[0]}`);
      const error = await run.ended(15_000);
      expect(error).toMatchObject({ name: 'EpipeError', code: 'SOURCE_CONNECTION', retriable: true });
      expect(await gaugeValue(metrics.sourceConnected)).toBe(0);
      await waitUntil(async () => (await dumpThreads()).length === 0);
    } finally {
      await run.stop();
    }
  });

  it('declares a silent stream dead after heartbeatMs, though no connection closed', async () => {
    const proxy = new SilenceableProxy(testEnv().mysql);
    const port = await proxy.listen();
    const { run } = await startRun({ heartbeatMs: 1_000 }, { ...server(), host: '127.0.0.1', port });
    try {
      // Idle but alive: heartbeats keep it going for several periods.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(run.finished).toBe(false);
      proxy.goSilent();
      const error = await run.ended(15_000);
      expect(error).toMatchObject({ code: 'SOURCE_CONNECTION', retriable: true });
      expect(String((error as Error).message)).toMatch(/silent for \d+ ms/);
    } finally {
      await run.stop();
      await proxy.close();
    }
  });

  it('returns on abort and closes its connections, also while paused by backpressure', async () => {
    // A consumer slower than the writer and a queue of a few rows: the socket stays paused.
    const { source, metrics } = testSource(
      sourceConfig(server(), t.db.database, { queueMaxBytes: 1_000, chunkMaxRows: 1 }),
    );
    const run = new SourceRun(source, { delayMs: 200 });
    try {
      await waitUntil(async () => (await gaugeValue(metrics.sourceConnected)) === 1);
      await insertRows(t.writer, t.db.database, 30);
      await waitUntil(async () => (await gaugeValue(metrics.sourcePaused)) === 1);
      expect(await dumpThreads()).toHaveLength(1);
    } finally {
      await run.stop();
    }
    expect(run.error).toBeUndefined();
    expect(await gaugeValue(metrics.sourceConnected)).toBe(0);
    await waitUntil(async () => (await dumpThreads()).length === 0);
    const [rows] = await account.admin.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?',
      [user],
    );
    expect(Number(rows[0]!.n)).toBe(0);
  });
});

async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
