import { setupWorkload } from '@epipe/workload';
import { SilenceableProxy } from '../../libs/source/src/testing/proxy';
import { testEnv } from '../support/env';
import { ChildDaemon, sleepMs } from './support/child-daemon';
import { startLoad } from './support/load';
import { expectNoLoss, FaultScenario } from './support/scenario';

/**
 * Two instances; the leader's lock is taken from it (its lock session killed, or its network
 * gone silent) while writers commit, directory moves included. The standby must lead within
 * seconds, the old leader must stop publishing as soon as it knows, and nothing may be lost or
 * left wrong in the index, although both published to the same topic and index.
 */
describe('fault: the leader loses its lock during load', () => {
  const FAST_LOCK = {
    EPIPE_LOCK_WAIT_MS: '500',
    EPIPE_LOCK_CHECK_MS: '500',
    EPIPE_LOCK_SESSION_TIMEOUT_S: '5',
    EPIPE_MYSQL_QUERY_TIMEOUT_MS: '3000',
  };

  async function leadsWithin(daemon: ChildDaemon, timeoutMs: number): Promise<void> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if ((await daemon.metric('epipe_leader').catch(() => 0)) === 1) return;
      await sleepMs(50);
    }
    throw new Error(`no take-over within ${timeoutMs} ms; see ${daemon.logFile}`);
  }

  async function deliveries(daemon: ChildDaemon): Promise<number> {
    return (
      (await daemon.metric('epipe_sink_events_total', { sink: 'kafka' })) +
      (await daemon.metric('epipe_sink_events_total', { sink: 'elasticsearch' }))
    );
  }

  /** Runs one scenario; `takeLock` takes the lock from the first instance and returns when. */
  async function run(
    prefix: string,
    firstEnv: Record<string, string>,
    takeLock: (s: FaultScenario) => Promise<void>,
    maxTakeOverMs: number,
    onClose: () => Promise<void> = () => Promise.resolve(),
  ): Promise<void> {
    const s = await FaultScenario.create(prefix, { daemonEnv: { ...FAST_LOCK, ...firstEnv } });
    const second = await s.addDaemon(FAST_LOCK, 'standby');
    try {
      const setup = await setupWorkload(s.nameNode, prefix.replace(/[^a-z]/g, ''), 4);
      await s.daemon.startReady();
      await sleepMs(500);
      await second.startReady();
      expect(await s.daemon.metric('epipe_leader')).toBe(1);
      expect(await second.metric('epipe_leader')).toBe(0);
      const load = startLoad(s.nameNode, setup, { writers: 4, ratePerSec: 300, seed: 11 });
      let takeOverMs = 0;
      let fencedMs = 0;
      let lateDeliveries = 0;
      let inGrace = 0;
      try {
        await sleepMs(4_000);
        const lockTakenAt = Date.now();
        await takeLock(s);
        // When the old leader knows, it stops: count what it delivers from then on.
        while ((await s.daemon.metric('epipe_leader')) === 1) {
          if (Date.now() - lockTakenAt > maxTakeOverMs) throw new Error('the old leader never noticed');
          await sleepMs(20);
        }
        fencedMs = Date.now() - lockTakenAt;
        // No call starts after the fence; one already on the wire may still complete. Three
        // seconds of grace for those (a bulk request on a loaded machine), then nothing more may
        // come from the old leader.
        const atFence = await deliveries(s.daemon);
        await sleepMs(3_000);
        const afterGrace = await deliveries(s.daemon);
        inGrace = afterGrace - atFence;
        await leadsWithin(second, maxTakeOverMs);
        takeOverMs = Date.now() - lockTakenAt;
        await sleepMs(3_000);
        lateDeliveries = (await deliveries(s.daemon)) - afterGrace;
      } finally {
        await load.stop();
      }
      const { report, problems } = await s.check(`${prefix}: lock taken from the leader during load`);
      process.stdout.write(
        `[fault report]   old leader noticed after ${fencedMs} ms; calls in flight then completed ${inGrace} deliveries, none started later delivered ${lateDeliveries}; standby led after ${takeOverMs} ms\n`,
      );
      expectNoLoss({ report, problems });
      expect(lateDeliveries).toBe(0);
      expect(takeOverMs).toBeLessThan(maxTakeOverMs);
      expect(await second.metric('epipe_leader')).toBe(1);
    } finally {
      await second.kill().catch(() => undefined);
      await onClose();
      await s.close();
    }
  }

  it('KILL of the lock session: the old leader stops at once, the standby leads within 10 s', async () => {
    await run(
      'fault_fence_kill',
      {},
      async (s) => {
        const [rows] = await s.pool.query(`SELECT IS_USED_LOCK(?) AS id`, [`epipe:${s.names.database}`]);
        const id = (rows as { id: number | null }[])[0]?.id;
        expect(id).toBeGreaterThan(0);
        await s.pool.query(`KILL ${Number(id)}`);
      },
      10_000,
    );
  }, 300_000);

  it('the leader behind a network that goes silent: it fences itself, the standby leads within 15 s', async () => {
    const env = testEnv().mysql;
    const proxy = new SilenceableProxy({ host: env.host, port: env.port });
    const port = await proxy.listen();
    await run(
      'fault_fence_silent',
      { EPIPE_MYSQL_HOST: '127.0.0.1', EPIPE_MYSQL_PORT: String(port) },
      () => {
        proxy.goSilent();
        return Promise.resolve();
      },
      15_000,
      () => proxy.close(),
    );
  }, 300_000);
});
