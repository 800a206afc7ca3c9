import type { Mode } from './context';
import type { Load } from './phases/lag';
import type { LineagePlan } from './phases/lineage';

/** Sizes and durations per mode: `make bench` stays under ~15 minutes, `make bench-full` goes big. */
export interface Plan {
  /**
   * How often each ceiling, each end-to-end drain and Debezium's snapshot are measured,
   * interleaved (ceilings, drains, Debezium, ceilings, …) so drift on the shared machine hits
   * all of them alike; the report gives the median and the spread.
   */
  repeats: number;
  overhead: { rounds: number; seconds: number; writers: number };
  ceilings: { binlogOneRow: number; binlogBulk: number; kafka: number; elastic: number };
  /** Rows of each drain; in the full run also the small backlog the catch-up is compared with. */
  saturationRows: number;
  catchupRows: number | null;
  lag: {
    fixedLoads: number[];
    fractions: number[];
    seconds: number;
    warmupSeconds: number;
    processes: number;
    writersPerProcess: number;
    restart: { rate: number; beforeS: number; outageS: number; afterS: number };
  };
  debezium: { rows: number; loads: number[]; seconds: number; tunedPoll: boolean };
  profileRows: number;
  lineage: LineagePlan;
}

/** Issue 9's sizes: indices as 10M file operations would leave them, 1,000 queries each way. */
const LINEAGE = { artifacts: 50_000, edges: 200_000, queries: 1_000, depth: 3, limit: 200 };
/** The offered loads and writers are the same in both modes, so their results compare; only durations grow. */
const LOADS = [200, 500];
const LAG = { fixedLoads: LOADS, fractions: [0.5, 0.8], processes: 2, writersPerProcess: 8 };

export const PLANS: Record<Mode, Plan> = {
  quick: {
    repeats: 3,
    overhead: { rounds: 6, seconds: 5, writers: 8 },
    ceilings: { binlogOneRow: 30_000, binlogBulk: 100_000, kafka: 100_000, elastic: 30_000 },
    saturationRows: 60_000,
    catchupRows: null,
    lag: {
      ...LAG,
      seconds: 20,
      warmupSeconds: 3,
      restart: { rate: 200, beforeS: 8, outageS: 3, afterS: 15 },
    },
    debezium: { rows: 60_000, loads: LOADS, seconds: 20, tunedPoll: false },
    profileRows: 30_000,
    lineage: { ...LINEAGE, throughputRows: 30_000 },
  },
  full: {
    repeats: 3,
    overhead: { rounds: 10, seconds: 10, writers: 8 },
    ceilings: { binlogOneRow: 100_000, binlogBulk: 300_000, kafka: 300_000, elastic: 100_000 },
    // The 1M-row catch-up is compared with this backlog: 10× smaller.
    saturationRows: 100_000,
    catchupRows: 1_000_000,
    lag: {
      ...LAG,
      seconds: 60,
      warmupSeconds: 5,
      restart: { rate: 200, beforeS: 15, outageS: 5, afterS: 30 },
    },
    debezium: { rows: 200_000, loads: LOADS, seconds: 60, tunedPoll: true },
    profileRows: 100_000,
    lineage: { ...LINEAGE, throughputRows: 100_000 },
  },
};

/**
 * The offered loads: fixed rates, then fractions of the measured saturation. A load above what
 * the writers reached alone cannot be offered; it becomes one run with the writers at full
 * speed, and the report says so. The writers at full speed always run: a target speaks of them.
 */
export function planLoads(
  plan: Plan,
  saturationRowsPerSec: number,
  rowsPerOp: number,
  writerCeiling: number,
  notes: string[],
): Load[] {
  const loads: Load[] = plan.lag.fixedLoads.map((rate) => ({ label: `${rate}/s`, rate }));
  let capped = false;
  for (const f of plan.lag.fractions) {
    const rate = Math.round((f * saturationRowsPerSec) / Math.max(1, rowsPerOp));
    const label = `${Math.round(f * 100)}% of saturation`;
    if (rate <= writerCeiling * 0.9) {
      loads.push({ label: `${label} (${rate}/s)`, rate });
    } else if (!capped) {
      capped = true;
      notes.push(
        `${label} is ${rate} ops/s, above what the writers reach on this machine (${Math.round(writerCeiling)} ops/s alone, less ` +
          'with the daemon, Kafka and Elasticsearch sharing 2 cores); it was replaced by one run with the writers at full speed ("writers max").',
      );
      loads.push({ label: `writers max (for ${label})`, rate: 0 });
    } else {
      notes.push(`${label} (${rate} ops/s) is not reachable either; the "writers max" run stands for it.`);
    }
  }
  if (!capped) loads.push({ label: 'writers max', rate: 0 });
  return loads;
}
