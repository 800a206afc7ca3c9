import { prng } from '@epipe/workload';
import { logRowsLeft } from '../support/checker';
import { sleepMs } from '../faults/support/child-daemon';
import { faultSeed } from '../faults/support/load';
import { expectNoLoss, useFaultScenario } from '../faults/support/scenario';
import { stack, type StackService } from '../faults/support/stack';

const KILLS = Number(process.env.EPIPE_SOAK_KILLS ?? 100);

/**
 * `make test-soak`: a hundred SIGKILLs at random instants while writers commit (the HopsFS mix,
 * directory moves included), then an outage of each service the daemon writes to or reads
 * from, all in one run; the shared checker at the end. Losses must be 0.
 */
describe('soak: kills and outages in one long run', () => {
  const scenario = useFaultScenario('soak');

  it(`loses nothing over ${KILLS} kills and a Kafka, an Elasticsearch and a MariaDB outage`, async () => {
    const s = scenario();
    const seed = faultSeed();
    const random = prng(seed);
    const { load } = await s.startUnderLoad('soak', 6, { writers: 4, ratePerSec: 300, seed });
    const outages: string[] = [];
    try {
      await s.killAtRandom(random, { kills: KILLS, maxUpMs: 2_000, maxDownMs: 300 });
      await s.daemon.waitReady();
      for (const [service, downMs] of [
        ['kafka', 15_000],
        ['elasticsearch', 15_000],
        ['mariadb', 3_000],
      ] as [StackService, number][]) {
        const pending = await logRowsLeft(s.pool).catch(() => -1);
        await stack('down', service);
        try {
          await sleepMs(downMs);
        } finally {
          await stack('up', service);
        }
        outages.push(`${service} down ${downMs / 1000} s (${pending} rows pending when it went)`);
        await s.daemon.waitReady(180_000);
        await sleepMs(3_000);
      }
    } finally {
      await load.stop();
    }
    const { report, problems } = await s.check(`soak: ${KILLS} kills and three outages (seed ${seed})`, {
      timeoutMs: 600_000,
    });
    process.stdout.write(`[soak report]   ${outages.join('; ')}; daemon starts ${s.daemon.starts}\n`);
    expectNoLoss({ report, problems });
    expect(s.daemon.starts).toBe(KILLS + 1);
  }, 3_600_000);
});
