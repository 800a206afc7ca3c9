import { HOPSFS_MIX } from '@epipe/workload';
import type { BenchContext } from '../context';
import { runGenerator } from '../generator';
import { Progress, log } from '../progress';
import { dropDatabase, freshDatabase, rootPool, scalar, bestEffort } from '../stack';
import { median, round } from '@epipe/harness';

export interface OverheadResult {
  writers: number;
  secondsPerRun: number;
  rounds: { round: number; order: string; withLogOpsPerSec: number; withoutLogOpsPerSec: number }[];
  withLogOpsPerSec: number;
  withoutLogOpsPerSec: number;
  /** 1 - with/without, in percent, from the totals of all rounds. */
  overheadPct: number;
  /** The same, per round, then the median: less sensitive to one disturbed round. */
  medianRoundOverheadPct: number;
  /** The smallest and largest per-round overhead: how noisy the machine was. */
  roundRangePct: [number, number];
  logRowsPerOp: number;
  templateRows: number;
}

/**
 * Writer throughput with the fs_log row and without it (`logging: false`), same writers, seeds
 * and duration, alternating A-B / B-A so drift on a shared machine hits both sides. The logged
 * database stays: it is the template every backlog is copied from.
 */
export async function measureOverhead(
  ctx: BenchContext,
  options: { rounds: number; seconds: number; writers: number },
): Promise<OverheadResult> {
  const on = `bench_${ctx.run}_on`;
  const off = `bench_${ctx.run}_off`;
  await freshDatabase(ctx.stack, on);
  await freshDatabase(ctx.stack, off);
  const rounds: OverheadResult['rounds'] = [];
  let opsOn = 0;
  let msOn = 0;
  let opsOff = 0;
  let msOff = 0;
  try {
    for (let r = 0; r < options.rounds; r++) {
      const order: boolean[] = r % 2 === 0 ? [true, false] : [false, true];
      const rates: Record<string, number> = {};
      for (const logging of order) {
        const progress = new Progress(
          `  writers ${logging ? 'with' : 'without'} log, round ${r + 1}`,
          options.seconds,
        );
        const result = await runGenerator(
          ctx.stack,
          {
            database: logging ? on : off,
            project: `ov${r}`,
            writers: options.writers,
            processes: 0,
            ratePerSec: 0,
            durationMs: options.seconds * 1000,
            mix: HOPSFS_MIX,
            seed: r + 1,
            logging,
          },
          { onProgress: (ops, ms) => progress.update(ms / 1000, `${ops} ops`) },
        );
        progress.done(`${result.opsPerSec.toFixed(0)} ops/s`);
        rates[logging ? 'on' : 'off'] = result.opsPerSec;
        if (logging) {
          opsOn += result.operations;
          msOn += result.elapsedMs;
        } else {
          opsOff += result.operations;
          msOff += result.elapsedMs;
        }
      }
      rounds.push({
        round: r + 1,
        order: order.map((l) => (l ? 'with' : 'without')).join(','),
        withLogOpsPerSec: round(rates.on!, 0),
        withoutLogOpsPerSec: round(rates.off!, 0),
      });
    }
  } finally {
    await bestEffort(() => dropDatabase(ctx.stack, off));
  }
  const pool = rootPool(ctx.stack, { database: on, connectionLimit: 1 });
  const templateRows = await scalar(pool, 'SELECT COUNT(*) FROM fs_log');
  await bestEffort(() => pool.end());
  ctx.template = on;
  const withLog = (opsOn * 1000) / msOn;
  const withoutLog = (opsOff * 1000) / msOff;
  const result: OverheadResult = {
    writers: options.writers,
    secondsPerRun: options.seconds,
    rounds,
    withLogOpsPerSec: round(withLog, 0),
    withoutLogOpsPerSec: round(withoutLog, 0),
    overheadPct: round((1 - withLog / withoutLog) * 100, 1),
    medianRoundOverheadPct: round(
      median(rounds.map((x) => (1 - x.withLogOpsPerSec / x.withoutLogOpsPerSec) * 100)),
      1,
    ),
    roundRangePct: [
      round(Math.min(...rounds.map((x) => (1 - x.withLogOpsPerSec / x.withoutLogOpsPerSec) * 100)), 1),
      round(Math.max(...rounds.map((x) => (1 - x.withLogOpsPerSec / x.withoutLogOpsPerSec) * 100)), 1),
    ],
    logRowsPerOp: round(templateRows / opsOn, 2),
    templateRows,
  };
  log(
    `  logging overhead: ${result.withLogOpsPerSec} ops/s with the log row vs ${result.withoutLogOpsPerSec} without (${result.overheadPct}%)`,
  );
  return result;
}
