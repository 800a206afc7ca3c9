import { prng } from '@epipe/workload';
import { faultSeed } from './support/load';
import { expectNoLoss, useFaultScenario } from './support/scenario';

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
    const seed = faultSeed();
    const random = prng(seed);
    const { load } = await s.startUnderLoad('crash', 4, { writers: 4, ratePerSec: 400, seed });
    let kills: string[];
    try {
      // From a few hundred ms (still starting or scanning) to a few seconds (tailing, acking).
      kills = await s.killAtRandom(random, { kills: KILLS, maxUpMs: 3_000, maxDownMs: 500 });
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
    expectNoLoss({ report, problems });
    expect(s.daemon.starts).toBe(KILLS + 1);
    expect(report.rowsWritten).toBeGreaterThan(1_000);
  }, 600_000);
});
