import { disturbedInputs, type Marked, verdict, type Verdict } from '../conditions';
import type { DrainRun } from '../phases/saturation';
import { ratioOfMedians, spread, type Spread } from '../repeats';
import type { BenchResults } from '../results';
import {
  ceilingRuns,
  cpuPerThousandRows,
  drains,
  drainSpread,
  loadAt,
  maxLoad,
  ms,
  num,
  pct,
  snapshots,
  withSpread,
} from './facts';

/** One row of the targets table (issue 12's table): what was measured and whether it met the target. */
export interface Target {
  target: string;
  measured: string;
  verdict: Verdict | 'no target';
  /** The ratio the verdict is about, for ratio rows (what two runs must agree on); absent otherwise. */
  ratio?: number;
  /** Why the verdict is "disturbed": the reasons of every run it was computed from. */
  disturbed: string[];
}

function row(
  target: string,
  measured: string | null,
  ok: boolean | null,
  inputs: (Marked | undefined)[],
): Target {
  const disturbed = ok === null ? [] : disturbedInputs(inputs);
  return { target, measured: measured ?? '–', verdict: verdict(ok, disturbed), disturbed };
}

/** A target measured from `value`, or "not measured" (no verdict) when there is none. */
function rowOf<T>(
  target: string,
  value: T | undefined,
  judge: (value: T) => [measured: string, ok: boolean, inputs: (Marked | undefined)[]],
): Target {
  return value === undefined ? row(target, null, null, []) : row(target, ...judge(value));
}

const rate = (d: DrainRun): number => d.rowsPerSec;

function runsText(a: Spread, b: Spread): string {
  return a.n === 1 && b.n === 1 ? 'one run each' : `medians of ${a.n} and ${b.n} runs, min–max`;
}

/** A ratio of two medians against a lower bound, e.g. "both sinks vs Elasticsearch bulk ≥ 80%". */
function ratioTarget(
  target: string,
  a: { what: string; s: Spread; runs: Marked[] },
  b: { what: string; s: Spread; runs: Marked[] },
  atLeast: number,
  asPercent: boolean,
): Target {
  const v = ratioOfMedians(a.s, b.s);
  if (!Number.isFinite(v)) return row(target, null, null, []);
  const value = asPercent ? pct(v * 100) : `${num(v, 2)}×`;
  return withRatio(
    v,
    row(
      target,
      `${value}: ${a.what} ${withSpread(a.s)} vs ${b.what} ${withSpread(b.s)} (${runsText(a.s, b.s)})`,
      v >= atLeast,
      [...a.runs, ...b.runs],
    ),
  );
}

function withRatio(ratio: number, t: Target): Target {
  return Number.isFinite(ratio) ? { ...t, ratio } : t;
}

function drainInput(r: BenchResults, sinks: DrainRun['sinks'], what: string, withoutMoves = false) {
  return { what, s: drainSpread(r, sinks, rate, withoutMoves), runs: drains(r, sinks, withoutMoves) };
}

function throughputTargets(r: BenchResults): Target[] {
  const es = ceilingRuns(r, 'elasticBulk');
  const kj = ceilingRuns(r, 'kafkajs');
  const dbz = snapshots(r);
  const esCeiling = { what: 'Elasticsearch bulk', s: spread(es.map((c) => c.perSec)), runs: es };
  const kafkaOnly = drainInput(r, 'kafka', 'Kafka only');
  const out = [
    ratioTarget(
      'both sinks vs Elasticsearch bulk ceiling ≥ 80%',
      drainInput(r, 'both', 'both sinks'),
      esCeiling,
      0.8,
      true,
    ),
  ];
  // Moves cost < 20% of throughput: with / without ≥ 0.8.
  const withMoves = drainInput(r, 'elastic', 'with moves');
  const without = drainInput(r, 'elastic', 'without', true);
  const v = ratioOfMedians(withMoves.s, without.s);
  out.push(
    withRatio(
      v,
      rowOf(
        'Elasticsearch only, directory moves cost < 20% of throughput',
        Number.isFinite(v) ? v : undefined,
        (v) => [
          `moves cost ${pct((1 - v) * 100)}: ${withSpread(withMoves.s)} rows/s with moves vs ${withSpread(without.s)} without`,
          1 - v < 0.2,
          [...withMoves.runs, ...without.runs],
        ],
      ),
    ),
  );
  out.push(
    ratioTarget(
      'Kafka only vs kafkajs alone ≥ 80%',
      kafkaOnly,
      { what: 'kafkajs', s: spread(kj.map((c) => c.perSec)), runs: kj },
      0.8,
      true,
    ),
    ratioTarget(
      'Kafka only vs Debezium snapshot ≥ 2×',
      kafkaOnly,
      { what: 'Debezium', s: spread(dbz.map((x) => x.rowsPerSec)), runs: dbz },
      2,
      false,
    ),
  );
  return out;
}

function catchupTargets(r: BenchResults): Target[] {
  const out: Target[] = [];
  const cu = r.catchup;
  const both = drainInput(r, 'both', `${num(drains(r, 'both')[0]?.rows)}-row backlog`);
  const sizeTarget = 'throughput of the 1M-row backlog vs a 100k one ≥ 0.9×';
  if (cu && r.mode === 'full')
    out.push(
      ratioTarget(
        sizeTarget,
        { what: `${num(cu.rows)} rows`, s: spread([cu.rowsPerSec]), runs: [cu] },
        both,
        0.9,
        false,
      ),
    );
  else
    out.push({
      target: sizeTarget,
      measured: 'only in the full run (make bench-full)',
      verdict: 'not measured',
      disturbed: [],
    });
  // Flatness: of the catch-up, in the full run only. A quick run's drains are 12 or so batches of
  // 5,000 rows, so a tenth of one is one or two acknowledgements: two quick runs on a quiet
  // machine gave 3.23 and 1.77. It is shown there, unjudged, and left out of run comparisons.
  const flatTarget = 'last 10% of the catch-up within 10% of the first 10% (rows/s)';
  if (cu && r.mode === 'full') {
    const f = spread([cu.flatness?.ratio ?? Number.NaN]);
    const flat = rowOf(flatTarget, f.n > 0 && Number.isFinite(f.median) ? f : undefined, (f) => [
      `late / early tenth ${num(f.median, 2)} (rows 80–90% vs 10–20%: the pipeline filling and emptying left out; ` +
        `${num(cu.flatness!.lastTenthPerSec)} vs ${num(cu.flatness!.firstTenthPerSec)} rows/s)`,
      Math.abs(f.median - 1) <= 0.1,
      [cu],
    ]);
    out.push(Number.isFinite(f.median) ? withRatio(f.median, flat) : flat);
  } else {
    const f = spread(drains(r, 'both').map((d) => d.flatness?.ratio ?? Number.NaN));
    out.push({
      target: flatTarget,
      measured:
        'only in the full run (make bench-full)' +
        (f.n > 0 && Number.isFinite(f.median)
          ? `; the quick drains' late / early tenth, too coarse to judge (a tenth is one or two batches): ${withSpread(f, 2)}`
          : ''),
      verdict: 'not measured',
      disturbed: [],
    });
  }
  // Peak RSS at any backlog: every drain, the catch-up and the lag phase.
  const all = [...(r.saturation ?? []), ...(cu && !r.saturation?.includes(cu) ? [cu] : [])];
  const peaks: { mib: number; where: string; run: Marked | undefined }[] = all.map((d) => ({
    mib: d.peakRssMiB,
    where: `${num(d.rows)}-row ${d.sinks} drain`,
    run: d,
  }));
  if (r.lag)
    peaks.push({
      mib: r.lag.peakRssMiB,
      where: 'lag phase',
      run: r.phases?.find((p) => p.phase === 'lag and restart'),
    });
  const peak = peaks.reduce<(typeof peaks)[number] | undefined>(
    (a, b) => (!a || b.mib > a.mib ? b : a),
    undefined,
  );
  out.push(
    rowOf('peak RSS ≤ 256 MiB at any backlog', peak, (peak) => [
      `${num(peak.mib)} MiB (${peak.where})`,
      peak.mib <= 256,
      [peak.run],
    ]),
  );
  return out;
}

function lagTargets(r: BenchResults): Target[] {
  const at200 = loadAt(r, 200);
  const max = maxLoad(r);
  return [
    rowOf('searchable lag at 200/s: p50 < 330 ms, p99 < 1,000 ms', at200, (at200) => [
      `p50 ${ms(at200.search.p50)}, p99 ${ms(at200.search.p99)} (${num(at200.achievedOpsPerSec)} ops/s achieved)`,
      at200.search.p50 < 330 && at200.search.p99 < 1_000,
      [at200],
    ]),
    rowOf("at the writers' max: Kafka p99 < 250 ms, searchable p99 < 1,500 ms", max, (max) => [
      `Kafka p99 ${ms(max.kafka.p99)}, searchable p99 ${ms(max.search.p99)} (${num(max.achievedOpsPerSec)} ops/s achieved)`,
      max.kafka.p99 < 250 && max.search.p99 < 1_500,
      [max],
    ]),
  ];
}

function overheadTarget(r: BenchResults): Target {
  const phase = r.phases?.find((p) => p.phase === 'overhead');
  return rowOf('logging overhead on the writers ≤ 5%', r.overhead, (o) => [
    `${pct(o.medianRoundOverheadPct)} median of ${o.rounds.length} rounds (${pct(o.roundRangePct[0])} to ${pct(o.roundRangePct[1])}); totals ${pct(o.overheadPct)} (${num(o.withLogOpsPerSec)} vs ${num(o.withoutLogOpsPerSec)} ops/s)`,
    o.medianRoundOverheadPct <= 5,
    [phase],
  ]);
}

/** CPU per row has no bound yet (the issue asks to halve it): reported, with the runs' conditions. */
function cpuTargets(r: BenchResults): Target[] {
  const modes: [DrainRun['sinks'], string][] = [
    ['kafka', 'Kafka only'],
    ['elastic', 'Elasticsearch only'],
    ['both', 'both sinks'],
  ];
  return modes.map(([sinks, label]) => {
    const runs = drains(r, sinks);
    const s = spread(runs.map(cpuPerThousandRows));
    const reasons = disturbedInputs(runs);
    return {
      target: `daemon CPU-seconds per 1,000 rows, ${label} (halve it)`,
      measured: s.n ? withSpread(s, 3, ' s') : '–',
      verdict: s.n === 0 ? 'not measured' : reasons.length ? 'disturbed' : 'no target',
      disturbed: s.n ? reasons : [],
    };
  });
}

/** Every row of issue 12's targets table, each from medians over the rounds where it was repeated. */
export function targets(r: BenchResults): Target[] {
  return [
    ...throughputTargets(r),
    ...catchupTargets(r),
    ...lagTargets(r),
    overheadTarget(r),
    ...cpuTargets(r),
    lineageTarget(r),
  ];
}

/** Issue 9's lineage target, from the lineage phase (≈50k artifacts, 200k edges). */
function lineageTarget(r: BenchResults): Target {
  const phase = r.phases?.find((p) => p.phase === 'lineage');
  return rowOf('lineage depth-3 p95 < 100 ms (≈50k artifacts, 200k edges)', r.lineage, (lin) => [
    lin.latency.map((l) => `${l.direction} p95 ${ms(l.p95)}`).join(', '),
    lin.latency.every((l) => l.p95 < 100),
    [phase],
  ]);
}

export function targetRows(r: BenchResults): string[][] {
  return targets(r).map((t) => [t.target, t.measured, t.verdict]);
}

/** The disturbed rows and why, for the lines under the table. */
export function disturbedNotes(r: BenchResults): string[] {
  return targets(r)
    .filter((t) => t.verdict === 'disturbed')
    .map((t) => `${t.target}: ${t.disturbed.join('; ')}`);
}

/** How two runs' ratios compare: each ratio row of both, and how far apart (larger / smaller - 1). */
export function compareRatios(
  a: BenchResults,
  b: BenchResults,
): { target: string; a: number; b: number; apart: number }[] {
  const second = new Map(targets(b).map((t) => [t.target, t.ratio]));
  return targets(a).flatMap((t) => {
    const other = second.get(t.target);
    if (t.ratio === undefined || other === undefined) return [];
    const [lo, hi] = [Math.min(t.ratio, other), Math.max(t.ratio, other)];
    return [
      { target: t.target, a: t.ratio, b: other, apart: lo > 0 ? hi / lo - 1 : Number.POSITIVE_INFINITY },
    ];
  });
}
