import { sleepMs } from './child-daemon';
import { watchReadiness } from './readiness';
import { expectNoLoss, expectStayedUp, type FaultScenario, useFaultScenario } from './scenario';
import { stack, type StackService } from './stack';

export interface OutageResult {
  /** /readyz said 503 while the service was down (or restarting). */
  notReadyDuringOutage: boolean;
  /** /readyz went back to 200 after saying 503 while the service was still down. */
  flapped: boolean;
  /** /readyz said 200 at some point while the service was fully stopped. */
  readyWhileDown: boolean;
  /** /readyz said 200 again after the service was back. */
  readyAfter: boolean;
  readiness: string;
  outageS: number;
  operations: number;
  /** Operations the writers completed while the service was stopped. */
  operationsWhileDown: number;
  /** Operations completed from the service's restart until the daemon was ready again. */
  operationsWhileRecovering: number;
  /** Operations completed from the service's restart to the end of the load. */
  operationsAfterRestart: number;
}

/**
 * Writers commit throughout; a few seconds in, `service` is stopped for `downMs`, then started
 * again (always, even when something fails), and the writers go on a few seconds more.
 */
export async function runOutage(
  s: FaultScenario,
  options: { service: StackService; project: string; downMs: number; seed: number },
): Promise<OutageResult> {
  const { load } = await s.startUnderLoad(options.project, 4, {
    writers: 4,
    ratePerSec: 300,
    seed: options.seed,
  });
  const readiness = watchReadiness(s.daemon);
  let outageS = 0;
  let opsAtDown = 0;
  let opsAtRestart = 0;
  let opsAtReady = 0;
  try {
    await sleepMs(4_000);
    const downAt = Date.now();
    try {
      await stack('down', options.service);
      opsAtDown = load.operations;
      readiness.mark('down');
      await sleepMs(options.downMs);
    } finally {
      opsAtRestart = load.operations;
      readiness.mark('starting');
      await stack('up', options.service);
      readiness.mark('up');
      outageS = Math.round((Date.now() - downAt) / 100) / 10;
    }
    // Back to ready, then a little more load on the recovered stack.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && !readiness.answered(200, 'up')) await sleepMs(200);
    opsAtReady = load.operations;
    await sleepMs(3_000);
  } catch (err) {
    readiness.stop();
    await load.stop().catch(() => undefined);
    throw err;
  }
  readiness.stop();
  const stats = await load.stop();
  return {
    notReadyDuringOutage: readiness.answered(503, 'down', 'up'),
    flapped: readiness.flapped('down', 'starting'),
    readyWhileDown: readiness.answered(200, 'down', 'starting'),
    readyAfter: readiness.answered(200, 'up'),
    readiness: readiness.summary(),
    outageS,
    operations: stats.operations,
    operationsWhileDown: opsAtRestart - opsAtDown,
    operationsWhileRecovering: opsAtReady - opsAtRestart,
    operationsAfterRestart: stats.operations - opsAtRestart,
  };
}

/**
 * A sink's service is stopped while writers commit; epipe must wait it out: stay up, report
 * not-ready while it is down (without flapping), and deliver everything afterwards.
 */
export function describeSinkOutage(options: {
  /** The system as the scenario's name says it. */
  name: string;
  /** Prefix of the scenario's database, topic and index names. */
  prefix: string;
  service: Exclude<StackService, 'mariadb'>;
  project: string;
  downMs: number;
  seed: number;
}): void {
  const { name, prefix, ...outageOptions } = options;
  describe(`fault: ${name} stopped during load`, () => {
    const scenario = useFaultScenario(prefix);

    it(`stays up, reports not-ready while ${name} is down, and delivers everything afterwards`, async () => {
      const s = scenario();
      const outage = await runOutage(s, outageOptions);
      const { report, problems } = await s.check(`${name} stopped ${outage.outageS} s during load`);
      process.stdout.write(
        `[fault report]   ${outage.operations} operations (${outage.operationsWhileDown} while down, ${outage.operationsWhileRecovering} while recovering); /readyz: ${outage.readiness}\n`,
      );
      expectNoLoss({ report, problems });
      // The outage must have had something to catch up on.
      expect(outage.operationsWhileDown).toBeGreaterThan(0);
      expectStayedUp(s);
      expect({
        notReady: outage.notReadyDuringOutage,
        flapped: outage.flapped,
        readyAgain: outage.readyAfter,
      }).toEqual({ notReady: true, flapped: false, readyAgain: true });
    }, 480_000);
  });
}
