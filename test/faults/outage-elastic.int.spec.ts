import { runOutage } from './support/outage';
import { FaultScenario } from './support/scenario';

/** Elasticsearch is stopped for about 30 s while writers commit; epipe must wait it out and catch up. */
describe('fault: Elasticsearch stopped during load', () => {
  let s: FaultScenario;

  beforeAll(async () => {
    s = await FaultScenario.create('fault_es');
  });

  afterAll(async () => {
    await s?.close();
  });

  it('stays up, reports not-ready while Elasticsearch is down, and delivers everything afterwards', async () => {
    const outage = await runOutage(s, {
      service: 'elasticsearch',
      project: 'esout',
      downMs: 10_000,
      seed: 5,
    });
    const { report, problems } = await s.check(`Elasticsearch stopped ${outage.outageS} s during load`);
    process.stdout.write(
      `[fault report]   ${outage.operations} operations (${outage.operationsWhileDown} while down, ${outage.operationsWhileRecovering} while recovering); /readyz: ${outage.readiness}\n`,
    );
    expect(problems).toEqual([]);
    expect(report.losses).toBe(0);
    // The outage must have had something to catch up on.
    expect(outage.operationsWhileDown).toBeGreaterThan(0);
    expect(s.daemon.running).toBe(true);
    expect(s.daemon.starts).toBe(1);
    expect({
      notReady: outage.notReadyDuringOutage,
      flapped: outage.flapped,
      readyAgain: outage.readyAfter,
    }).toEqual({ notReady: true, flapped: false, readyAgain: true });
  }, 480_000);
});
