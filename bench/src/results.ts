import type { Mode } from './context';
import type { PhaseRecord } from './disturbance';
import type { CeilingsResult } from './phases/ceilings';
import type { DebeziumResult } from './phases/debezium';
import type { LagPhaseResult } from './phases/lag';
import type { OverheadResult } from './phases/overhead';
import type { ProfileResult } from './phases/profile';
import type { LineageResult } from './phases/lineage';
import type { DrainRun } from './phases/saturation';

/** Everything one run measured; results.json is this object. */
export interface BenchResults {
  mode: Mode;
  run: string;
  startedAt: string;
  durationS: number;
  machine: { nproc: number; memoryGiB: number; cpuModel: string };
  versions: Record<string, string>;
  loadAverage: { start: number; end: number };
  /** How often each ceiling, drain and Debezium snapshot was measured (interleaved rounds). */
  repeats?: number;
  overhead?: OverheadResult;
  /** One per round. */
  ceilings?: CeilingsResult[];
  /** Every drain of every round (`round`, `sinks`, `variant` tell them apart). */
  saturation?: DrainRun[];
  /** The big backlog (full run); absent in the quick run, where the "both sinks" drains stand in. */
  catchup?: DrainRun;
  lag?: LagPhaseResult;
  debezium?: DebeziumResult;
  profile?: ProfileResult;
  lineage?: LineageResult;
  /** Per phase: duration, load average before/after, services restarted by others meanwhile. */
  phases?: PhaseRecord[];
  notes: string[];
}

/**
 * results.json as read back (--report-only): results written before the measurements were
 * repeated held one ceilings object and one Debezium snapshot; they become rounds of one.
 */
export function normalizeResults(raw: BenchResults): BenchResults {
  const r = { ...raw };
  if (r.ceilings && !Array.isArray(r.ceilings)) r.ceilings = [r.ceilings];
  if (r.debezium && !Array.isArray(r.debezium.snapshots))
    r.debezium = { ...r.debezium, snapshots: r.debezium.snapshot ? [r.debezium.snapshot] : [] };
  return r;
}

/** Keeps at most `max` points of a cumulative series (every n-th and the last), so results stay small. */
export function downsample(points: [number, number][], max = 300): [number, number][] {
  if (points.length <= max) return points;
  const per = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % per === 0);
  if (out.at(-1) !== points.at(-1)) out.push(points.at(-1)!);
  return out;
}

/** JSON with one key per line but number arrays (points, pairs) kept on one line: small and diffable. */
export function toJson(results: BenchResults): string {
  return `${JSON.stringify(results, null, 1).replace(/\[[\d\s.,eE+-]*\]/g, (a) => a.replace(/\s+/g, ''))}\n`;
}
