import { prng, setupWorkload } from '@epipe/workload';
import { logRowsLeft } from '../support/checker';
import { sleepMs } from './support/child-daemon';
import { startLoad } from './support/load';
import { useFaultScenario } from './support/scenario';

const KILLS = 12;

/**
 * SIGKILL at random instants (during start-up, recovery scan, tailing, delivery, acknowledgement)
 * while writers commit, many times in a row; then one last start that runs to quiescence.
 * Nothing may be lost and, after deduplication by event id, no inode may go back in time.
 */
describe('fault: the daemon is killed (SIGKILL) again and again during load', () => {
  const scenario = useFaultScenario('fault_kill');

  it(`loses nothing over ${KILLS} kills at random moments`, async () => {
    const s = scenario();
    const seed = Number(process.env.EPIPE_FAULT_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const setup = await setupWorkload(s.nameNode, 'crash', 4);
    s.daemon.start();
    await s.daemon.waitReady();
    const load = startLoad(s.nameNode, setup, { writers: 4, ratePerSec: 400, seed });
    const kills: string[] = [];
    try {
      for (let i = 0; i < KILLS; i++) {
        // From a few hundred ms (still starting or scanning) to a few seconds (tailing, acking).
        const after = Math.round(200 + random() * 3_000);
        await sleepMs(after);
        const pending = await logRowsLeft(s.pool);
        await s.daemon.kill();
        kills.push(`${after} ms (${pending} rows unacknowledged)`);
        await sleepMs(Math.round(random() * 500));
        s.daemon.start();
      }
    } catch (err) {
      await load.stop().catch(() => undefined);
      throw err;
    }
    const stats = await load.stop();
    await s.daemon.waitReady();
    const { report, problems } = await s.check(`SIGKILL x${KILLS} (seed ${seed})`);
    process.stdout.write(
      `[fault report]   ${stats.operations} operations; kills after ${kills.join(', ')}\n`,
    );
    expect(problems).toEqual([]);
    expect(report.losses).toBe(0);
    expect(s.daemon.starts).toBe(KILLS + 1);
    expect(report.rowsWritten).toBeGreaterThan(1_000);
  }, 600_000);
});
