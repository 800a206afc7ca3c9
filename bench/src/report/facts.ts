import type { LagSummary } from '@epipe/harness';
import type { BenchResults } from '../results';
import type { LagAtLoad } from '../phases/lag';
import type { Ceiling, CeilingsResult } from '../phases/ceilings';
import type { DebeziumSnapshot } from '../phases/debezium';
import type { DrainRun } from '../phases/saturation';
import { ratioOfMedians, spread, type Spread } from '../repeats';

export function num(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${num(v, 1)}%`;
}

export function ms(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${num(v)} ms`;
}

/** The drains of one sink mode (every round), plain or without directory moves. */
export function drains(r: BenchResults, sinks: DrainRun['sinks'], withoutMoves = false): DrainRun[] {
  return (r.saturation ?? []).filter((s) => s.sinks === sinks && !!s.variant === withoutMoves);
}

/** One drain of a sink mode standing for all of them: the one with the median rate. */
export function sat(r: BenchResults, sinks: DrainRun['sinks']): DrainRun | undefined {
  const runs = drains(r, sinks).sort((a, b) => a.rowsPerSec - b.rowsPerSec);
  return runs[Math.floor((runs.length - 1) / 2)];
}

/** Median and spread of one figure over the drains of a sink mode. */
export function drainSpread(
  r: BenchResults,
  sinks: DrainRun['sinks'],
  figure: (d: DrainRun) => number,
  withoutMoves = false,
): Spread {
  return spread(drains(r, sinks, withoutMoves).map(figure));
}

/** The median rows/s of the "both sinks" drains: what the offered loads are fractions of. */
export function bothSinksRate(r: BenchResults): number | undefined {
  const s = drainSpread(r, 'both', (d) => d.rowsPerSec);
  return s.n > 0 ? s.median : undefined;
}

export type CeilingKey = Exclude<keyof CeilingsResult, 'round' | 'smallest'>;

/** One ceiling over every round. */
export function ceilingRuns(r: BenchResults, key: CeilingKey): Ceiling[] {
  return (r.ceilings ?? []).map((c) => c[key]).filter((c): c is Ceiling => !!c);
}

export function ceilingSpread(r: BenchResults, key: CeilingKey): Spread {
  return spread(ceilingRuns(r, key).map((c) => c.perSec));
}

export function snapshots(r: BenchResults): DebeziumSnapshot[] {
  return r.debezium?.snapshots ?? [];
}

/** CPU-seconds of the daemon per 1,000 rows, from /readyz to an empty log (whole run for old results). */
export function cpuPerThousandRows(d: DrainRun): number {
  const cpu = d.activeCpuSeconds ?? d.cpuSeconds;
  return d.rows > 0 ? (cpu * 1000) / d.rows : Number.NaN;
}

/** "12,345 (11,000–13,000)": the median (with its unit), then min–max when there was more than one run. */
export function withSpread(s: Spread, digits = 0, unit = ''): string {
  if (s.n === 0) return '–';
  const v = `${num(s.median, digits)}${unit}`;
  return s.n > 1 ? `${v} (${num(s.min, digits)}–${num(s.max, digits)})` : v;
}

/** The load with the writers at full speed. */
export function maxLoad(r: BenchResults): LagAtLoad | undefined {
  return r.lag?.loads.find((l) => l.offeredOpsPerSec === 0);
}

/** A load by its offered rate (the first with that rate). */
export function loadAt(r: BenchResults, rate: number): LagAtLoad | undefined {
  return r.lag?.loads.find((l) => l.offeredOpsPerSec === rate);
}

export interface Row {
  cells: string[];
}

export function sinksLabel(s: DrainRun): string {
  const base =
    s.sinks === 'both' ? 'Kafka + Elasticsearch' : s.sinks === 'kafka' ? 'Kafka only' : 'Elasticsearch only';
  return s.variant ? `${base}, ${s.variant}` : base;
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Ratios between things measured in this run, each from medians over the rounds. */
export function ratioRows(r: BenchResults): string[][] {
  const rows: string[][] = [];
  const add = (what: string, a: Spread, b: Spread, unit: string): void => {
    const v = ratioOfMedians(a, b);
    if (Number.isFinite(v)) rows.push([what, num(v, 2), `${num(a.median)} / ${num(b.median)} ${unit}`]);
  };
  const one = (v: number | undefined): Spread => spread(v === undefined ? [] : [v]);
  if (r.overhead)
    add(
      'writers with / without the log row',
      one(r.overhead.withLogOpsPerSec),
      one(r.overhead.withoutLogOpsPerSec),
      'ops/s',
    );
  const zj = ceilingSpread(r, 'zongjiOneRowTx');
  const kj = ceilingSpread(r, 'kafkajs');
  const es = ceilingSpread(r, 'elasticBulk');
  const rate = (sinks: DrainRun['sinks'], withoutMoves = false): Spread =>
    drainSpread(r, sinks, (d) => d.rowsPerSec, withoutMoves);
  add('epipe Kafka only / kafkajs alone', rate('kafka'), kj, 'per s');
  add('epipe Kafka only / zongji decode (1 row/tx)', rate('kafka'), zj, 'per s');
  add('epipe Elasticsearch only / Elasticsearch bulk', rate('elastic'), es, 'per s');
  add('epipe both sinks / Elasticsearch bulk', rate('both'), es, 'per s');
  add(
    'epipe Elasticsearch only, with / without directory moves',
    rate('elastic'),
    rate('elastic', true),
    'rows/s',
  );
  add(
    'epipe search-sink documents/s / Elasticsearch bulk',
    drainSpread(r, 'elastic', (d) => (d.eventsElastic * 1000) / d.activeMs),
    es,
    'docs/s',
  );
  add("epipe's Kafka sink / kafkajs alone", ceilingSpread(r, 'kafkaSink'), kj, 'events/s');
  add("epipe's search sink / bulk alone", ceilingSpread(r, 'elasticSink'), es, 'docs/s');
  const dbz = spread(snapshots(r).map((x) => x.rowsPerSec));
  add('epipe Kafka only / Debezium snapshot', rate('kafka'), dbz, 'rows/s');
  add('epipe both sinks / Debezium snapshot', rate('both'), dbz, 'rows/s');
  for (const dl of r.debezium?.loads ?? []) {
    const el = r.lag?.loads.find((l) => l.label === dl.label);
    if (!el) continue;
    add(`Kafka lag p50 at ${dl.label}: epipe / Debezium`, one(el.kafka.p50), one(dl.kafka.p50), 'ms');
    add(`Kafka lag p99 at ${dl.label}: epipe / Debezium`, one(el.kafka.p99), one(dl.kafka.p99), 'ms');
  }
  if (r.catchup && r.mode === 'full')
    add('catch-up rate / both sinks drain rate', one(r.catchup.rowsPerSec), rate('both'), 'rows/s');
  for (const l of r.lag?.loads ?? [])
    add(`searchable / Kafka lag p50 at ${l.label}`, one(l.search.p50), one(l.kafka.p50), 'ms');
  return rows;
}

/** A report section: its heading and lines, or nothing when what it reports was not measured. */
export function section<T>(
  title: string,
  value: T | null | undefined,
  lines: (value: T) => string[],
): string[] {
  return value === null || value === undefined ? [] : [`## ${title}`, '', ...lines(value)];
}

/** The first columns of a row per offered load. */
export const LOAD_HEADER = ['load', 'achieved ops/s', 'events/s'];

export function loadCells(l: { label: string; achievedOpsPerSec: number; eventsPerSec: number }): string[] {
  return [l.label, num(l.achievedOpsPerSec), num(l.eventsPerSec)];
}

/** The columns of one lag distribution: `<what> p50`, then p95, p99 and max. */
export function lagHeader(what: string): string[] {
  return [`${what} p50`, 'p95', 'p99', 'max'];
}

export function lagCells(s: LagSummary): string[] {
  return [ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max)];
}
