import { runOutage } from './support/outage';
import { expectNoLoss, expectStayedUp, type FaultScenario, useFaultScenario } from './support/scenario';

/**
 * MariaDB is restarted while writers commit: the binlog stream, the leader lock, lookups and
 * acknowledgements all lose their connections. The writers retry their own operations; epipe
 * must stay up, report not-ready meanwhile, and recover from the log table.
 */
describe('fault: MariaDB restarted during load', () => {
  const scenario = useFaultScenario('fault_mariadb');

  it('stays up, reports not-ready while the database is gone, and delivers everything afterwards', async () => {
    const s = scenario();
    const outage = await runOutage(s, { service: 'mariadb', project: 'dbout', downMs: 3_000, seed: 9 });
    await healPool(s);
    const { report, problems } = await s.check(`MariaDB restarted (down ${outage.outageS} s) during load`);
    process.stdout.write(
      `[fault report]   ${outage.operations} operations (${outage.operationsWhileDown} while down, ${outage.operationsWhileRecovering} while recovering, ${outage.operationsAfterRestart} after the restart), ${s.nameNode.connectionRetries} retried by the writers; /readyz: ${outage.readiness}\n`,
    );
    expectNoLoss({ report, problems });
    expect(s.nameNode.connectionRetries).toBeGreaterThan(0);
    // Writes stop with the database (the writers' retries above show they were trying); writes
    // resume with it, and the daemon must take them from a fresh lifetime.
    expect(outage.operationsAfterRestart).toBeGreaterThan(0);
    expectStayedUp(s);
    // Nothing can be delivered without the database: never ready while it is stopped.
    expect({
      notReady: outage.notReadyDuringOutage,
      readyWhileDown: outage.readyWhileDown,
      readyAgain: outage.readyAfter,
    }).toEqual({ notReady: true, readyWhileDown: false, readyAgain: true });
  }, 480_000);
});

/** The test's own pool still holds connections the restart killed: drop them before checking. */
async function healPool(s: FaultScenario): Promise<void> {
  const conns = await Promise.all(Array.from({ length: 12 }, () => s.pool.getConnection()));
  await Promise.all(
    conns.map(async (c) => {
      try {
        await c.query('SELECT 1');
        c.release();
      } catch {
        c.destroy();
      }
    }),
  );
}
