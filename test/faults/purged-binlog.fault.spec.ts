import type { RowDataPacket } from 'mysql2/promise';
import { logRowsLeft } from '../support/checker';
import { sleepMs } from './support/child-daemon';
import { expectNoLoss, type FaultScenario, useFaultScenario } from './support/scenario';

/**
 * The daemon dies while writers commit; while it is down the binlog is rotated and every file
 * but the newest purged, including the one it was reading. Restarted, it must not need them:
 * recovery reads the log table and tails from the current file.
 */
describe('fault: binlog rotated and purged while the daemon is down', () => {
  const scenario = useFaultScenario('fault_purge');

  it('delivers every row, including those only the purged files held, after a restart', async () => {
    const s = scenario();
    const { load } = await s.startUnderLoad('purge', 4, { writers: 4, ratePerSec: 300, seed: 23 });
    let purged: string;
    try {
      await sleepMs(3_000);
      const readFile = await currentBinlog(s);
      await s.daemon.kill();
      // Rows committed while the daemon is down, spread over the files about to be purged.
      for (let i = 0; i < 3; i++) {
        await sleepMs(1_500);
        await s.pool.query('FLUSH BINARY LOGS');
      }
      await sleepMs(1_500);
      purged = readFile;
    } catch (err) {
      await load.stop().catch(() => undefined);
      throw err;
    }
    const stats = await load.stop();
    const current = await currentBinlog(s);
    await s.pool.query(`PURGE BINARY LOGS TO '${current}'`);
    const left = await binlogs(s);
    // Another reader of the shared server may pin an old file; say so rather than pass vacuously.
    expect({ purgedFileGone: !left.includes(purged), current: left.includes(current) }).toEqual({
      purgedFileGone: true,
      current: true,
    });
    expect(await logRowsLeft(s.pool)).toBeGreaterThan(0);

    await s.daemon.startReady();
    const { report, problems } = await s.check(`binlog purged to ${current} while down (${purged} gone)`);
    process.stdout.write(
      `[fault report]   ${stats.operations} operations; binlogs left: ${left.join(', ')}\n`,
    );
    expectNoLoss({ report, problems });
  }, 300_000);
});

async function currentBinlog(s: FaultScenario): Promise<string> {
  const [rows] = await s.pool.query<RowDataPacket[]>('SHOW MASTER STATUS');
  return String(rows[0]!.File);
}

async function binlogs(s: FaultScenario): Promise<string[]> {
  const [rows] = await s.pool.query<RowDataPacket[]>('SHOW BINARY LOGS');
  return rows.map((r) => String(r.Log_name));
}
