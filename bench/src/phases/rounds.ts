import type { BenchContext } from '../context';
import type { Disturbances } from '../disturbance';
import type { Plan } from '../plan';
import { log } from '../progress';
import { type BenchResults, downsample } from '../results';
import { type Ceiling, type CeilingsResult, ceilingItems, smallestCeiling } from './ceilings';
import type { DebeziumSession } from './debezium';
import { drainBacklog, type DrainOptions, type Sinks } from './saturation';

/** The end-to-end drains of one round: each sink mode, and the search sink without directory moves. */
const DRAINS: { sinks: Sinks; label: string; options?: DrainOptions }[] = [
  { sinks: 'kafka', label: 'kafka' },
  { sinks: 'elastic', label: 'es' },
  { sinks: 'both', label: 'both' },
  // Diagnostic: the search sink without its directory-move barriers.
  { sinks: 'elastic', label: 'es_nomoves', options: { withoutDirectoryMoves: true } },
];

export interface RoundsOptions {
  ceilings: boolean;
  drains: boolean;
  /** Debezium's snapshot, once per round; the last one keeps Connect running when `debeziumLag`. */
  debezium: DebeziumSession | null;
  debeziumLag: boolean;
}

/**
 * Every ceiling, every drain and Debezium's snapshot, `plan.repeats` times, interleaved
 * (ceilings, drains, Debezium, ceilings, …) so drift on the shared machine hits all of them
 * alike. Elasticsearch finishes its merges before each timed item; each timed item
 * is marked when the machine was disturbed while it ran. Results accumulate into `results`.
 */
export async function measureRounds(
  ctx: BenchContext,
  plan: Plan,
  guard: Disturbances,
  results: BenchResults,
  options: RoundsOptions,
): Promise<void> {
  if (options.ceilings) results.ceilings = [];
  if (options.drains) results.saturation = [];
  for (let round = 1; round <= plan.repeats; round++) {
    log(`  round ${round} of ${plan.repeats}`);
    if (options.ceilings) {
      const result: CeilingsResult = { round };
      for (const item of ceilingItems(ctx, plan.ceilings, round)) {
        const m = await guard.measure(`r${round} ceiling: ${item.name}`, () => item.run());
        if (!m) continue;
        for (const [key, ceiling] of Object.entries(m.value) as [keyof CeilingsResult, Ceiling][])
          if (ceiling) Object.assign(result, { [key]: { ...ceiling, disturbed: m.disturbed } });
      }
      result.smallest = smallestCeiling(result);
      results.ceilings!.push(result);
    }
    if (options.drains) {
      for (const d of DRAINS) {
        const m = await guard.measure(`r${round} drain: ${d.label}`, () =>
          drainBacklog(ctx, d.sinks, plan.saturationRows, {
            ...d.options,
            label: `sat_${d.label}_r${round}`,
          }),
        );
        if (m)
          results.saturation!.push({
            ...m.value,
            round,
            disturbed: m.disturbed,
            series: downsample(m.value.series),
            rss: downsample(m.value.rss ?? []),
          });
      }
    }
    const dbz = options.debezium;
    if (dbz) {
      const keep = options.debeziumLag && round === plan.repeats;
      const m = await guard.measure(`r${round} Debezium snapshot`, () => dbz.snapshot(round, keep));
      if (m?.value) dbz.result.snapshots.push({ ...m.value, disturbed: m.disturbed });
      results.debezium = dbz.result;
    }
  }
}
