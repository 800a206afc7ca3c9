import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from '../results';
import {
  ceilingSpread,
  drainSpread,
  ms,
  num,
  pct,
  sat,
  sinksLabel,
  snapshots,
  table,
  withSpread,
} from './facts';
import { spread } from '../repeats';
import type { DrainRun } from '../phases/saturation';
import { targetRows } from './targets';
import { machineLine, SECTIONS, versionsLine } from './sections';
import { lineChart, type Series, stackCharts } from './svg';

/** Writes report.md and its SVG plots into `dir`; returns the report's text. */
export function writeReport(r: BenchResults, dir: string): string {
  writeFileSync(join(dir, 'lag-cdf.svg'), lagCdf(r));
  writeFileSync(join(dir, 'throughput.svg'), throughput(r));
  const cu = catchupRun(r);
  if (cu) writeFileSync(join(dir, 'catchup.svg'), catchupPlot(cu));
  if (r.lag?.restart) writeFileSync(join(dir, 'restart.svg'), restartPlot(r));
  const text = report(r);
  writeFileSync(join(dir, 'report.md'), text);
  return text;
}

function lagCdf(r: BenchResults): string {
  const series: Series[] = [];
  for (const l of r.lag?.loads ?? []) series.push({ name: `epipe → Kafka, ${l.label}`, points: l.kafkaCdf });
  if (r.lag?.kafkaOnly)
    series.push({ name: `epipe → Kafka, ${r.lag.kafkaOnly.label}`, points: r.lag.kafkaOnly.kafkaCdf });
  for (const l of r.lag?.loads ?? [])
    series.push({ name: `epipe → searchable, ${l.label}`, points: l.searchCdf, dashed: true });
  for (const l of r.debezium?.loads ?? [])
    series.push({ name: `Debezium → Kafka, ${l.label}`, points: l.kafkaCdf, dashed: true });
  return lineChart({
    title: 'Lag from writer commit: cumulative distribution',
    xLabel: 'lag (ms, log scale)',
    yLabel: 'fraction of events',
    series,
    logX: true,
    yMax: 1,
    step: true,
    height: 380 + series.length * 18,
  });
}

/** Rows deleted per second over a sliding window, from the cumulative count. */
export function windowRate(cumulative: [number, number][], windowS = 2): [number, number][] {
  const out: [number, number][] = [];
  let j = 0; // the last point at or before t - windowS (or the first point)
  for (const [t, n] of cumulative) {
    while (j + 1 < cumulative.length && cumulative[j + 1]![0] <= t - windowS) j++;
    const [t0, n0] = cumulative[j]!;
    out.push([t, t > t0 ? Math.round((n - n0) / (t - t0)) : 0]);
  }
  return out;
}

/** One drain per mode (the median-rate one): the plot stays readable with several rounds. */
function throughput(r: BenchResults): string {
  const shown = [sat(r, 'kafka'), sat(r, 'elastic'), sat(r, 'both')].filter((s): s is DrainRun => !!s);
  const plain = (r.saturation ?? []).filter((s) => s.variant).sort((a, b) => a.rowsPerSec - b.rowsPerSec);
  const nomoves = plain[Math.floor((plain.length - 1) / 2)];
  if (nomoves) shown.push(nomoves);
  const series: Series[] = shown.map((s) => ({
    name: `${sinksLabel(s)} (${num(s.rows)} rows${s.round ? `, round ${s.round}` : ''})`,
    points: windowRate(s.series),
  }));
  return lineChart({
    title: 'epipe draining a preloaded backlog: rows deleted per second (2 s window)',
    xLabel: 'seconds since the daemon was started',
    yLabel: 'rows acknowledged and deleted / s',
    series,
  });
}

/** The catch-up of the full run, or the quick run's median "both sinks" drain. */
export function catchupRun(r: BenchResults): DrainRun | undefined {
  return r.mode === 'full' && r.catchup ? r.catchup : sat(r, 'both');
}

/** Rows/s over time above, the daemon's resident memory below, on one time axis. */
function catchupPlot(cu: DrainRun): string {
  const rate = lineChart({
    title: `Catch-up of ${num(cu.rows)} rows, both sinks: rows deleted per second (5 s window)`,
    xLabel: 'seconds since the daemon was started',
    yLabel: 'rows / s',
    series: [
      { name: `rows/s (${num(cu.rowsPerSec)} on average from /readyz)`, points: windowRate(cu.series, 5) },
    ],
    height: 300,
  });
  const memory = lineChart({
    title: `Daemon resident memory (peak ${num(cu.peakRssMiB)} MiB)`,
    xLabel: 'seconds since the daemon was started',
    yLabel: 'RSS (MiB)',
    series: [{ name: 'RSS (MiB), sampled every 250 ms', points: cu.rss ?? [] }],
    height: 240,
  });
  return stackCharts([rate, memory]);
}

function restartPlot(r: BenchResults): string {
  const s = r.lag!.restart!;
  return lineChart({
    title: `Lag around a SIGKILL at t = 0 (restart after ${num(s.outageMs / 1000, 1)} s), ${num(s.offeredOpsPerSec)} ops/s`,
    xLabel: 'seconds since the kill (by receive time)',
    yLabel: 'commit → Kafka consumer lag (ms)',
    markers: [
      { x: 0, label: 'SIGKILL' },
      { x: s.outageMs / 1000, label: 'restart' },
      { x: s.killToReadyMs / 1000, label: 'ready' },
    ],
    series: [
      { name: 'p50 of events received in that second', points: s.series.map(([t, p50]) => [t, p50]) },
      {
        name: 'max of events received in that second',
        points: s.series.map(([t, , max]) => [t, max]),
        dashed: true,
      },
    ],
  });
}

/** The table bench/README.md shows: the latest run's headline numbers. */
export function summaryTable(r: BenchResults): string {
  const rows: string[][] = [];
  const o = r.overhead;
  if (o)
    rows.push([
      'writers, with / without the fs_log row',
      `${num(o.withLogOpsPerSec)} / ${num(o.withoutLogOpsPerSec)} ops/s`,
      `overhead ${pct(o.overheadPct)}`,
    ]);
  if (r.ceilings?.length) {
    rows.push([
      'zongji decode alone (1 row/tx; 100 rows/tx)',
      `${withSpread(ceilingSpread(r, 'zongjiOneRowTx'))}; ${withSpread(ceilingSpread(r, 'zongjiHundredRowTx'))} rows/s`,
      'raw ceiling',
    ]);
    rows.push([
      'kafkajs produce alone (idempotent, acks=all)',
      `${withSpread(ceilingSpread(r, 'kafkajs'))} events/s`,
      'raw ceiling',
    ]);
    rows.push([
      'Elasticsearch bulk alone',
      `${withSpread(ceilingSpread(r, 'elasticBulk'))} docs/s`,
      'raw ceiling',
    ]);
  }
  for (const m of [
    { sinks: 'kafka', label: 'Kafka only', nomoves: false },
    { sinks: 'elastic', label: 'Elasticsearch only', nomoves: false },
    { sinks: 'both', label: 'Kafka + Elasticsearch', nomoves: false },
    { sinks: 'elastic', label: 'Elasticsearch only, no directory moves', nomoves: true },
  ] as const) {
    const rate = drainSpread(r, m.sinks, (d) => d.rowsPerSec, m.nomoves);
    if (rate.n === 0) continue;
    const rss = drainSpread(r, m.sinks, (d) => d.peakRssMiB, m.nomoves);
    rows.push([
      `epipe end-to-end, ${m.label}`,
      `${withSpread(rate)} rows/s`,
      `median of ${rate.n}; peak RSS ${num(rss.median)} MiB`,
    ]);
  }
  if (r.catchup)
    rows.push([
      `catch-up of a ${num(r.catchup.rows)}-row backlog (both sinks)`,
      `${num(r.catchup.drainMs / 1000, 1)} s (${num(r.catchup.rowsPerSec)} rows/s)`,
      `peak RSS ${num(r.catchup.peakRssMiB)} MiB`,
    ]);
  for (const l of r.lag?.loads ?? [])
    rows.push([
      `lag at ${l.label} (${num(l.achievedOpsPerSec)} ops/s achieved)`,
      `Kafka p50/p99 ${num(l.kafka.p50)}/${num(l.kafka.p99)} ms; searchable ${num(l.search.p50)}/${num(l.search.p99)} ms`,
      '',
    ]);
  const rs = r.lag?.restart;
  const dc = r.lag?.delivery;
  if (rs)
    rows.push([
      'SIGKILL + restart under load',
      `back to steady lag ${ms(rs.restartToSteadyMs)} after the restart (${ms(rs.killToSteadyMs)} after the kill)`,
      `${num(rs.duplicates)} duplicates` +
        (dc ? `; ${num(dc.missingLogIds)} of ${num(dc.highestLogId)} log ids never delivered` : ''),
    ]);
  if (r.lag?.kafkaOnly) {
    const k = r.lag.kafkaOnly;
    rows.push([
      `lag at ${k.label} (search sink off)`,
      `Kafka p50/p99 ${num(k.kafka.p50)}/${num(k.kafka.p99)} ms`,
      '',
    ]);
  }
  const d = r.debezium;
  const snaps = snapshots(r);
  if (d && snaps.length) {
    rows.push([
      `Debezium ${d.debezium} snapshot of the same backlog`,
      `${withSpread(spread(snaps.map((x) => x.rowsPerSec)))} rows/s`,
      `median of ${snaps.length}; JVM peak RSS ${num(spread(snaps.map((x) => x.peakRssMiB)).median)} MiB`,
    ]);
    for (const l of d.loads)
      rows.push([
        `Debezium lag at ${l.label}`,
        `Kafka p50/p99 ${num(l.kafka.p50)}/${num(l.kafka.p99)} ms`,
        '',
      ]);
  } else if (d) rows.push([`Debezium ${d.debezium}`, 'did not run', d.error ?? '']);
  const lin = r.lineage;
  for (const l of lin?.latency ?? [])
    rows.push([
      `lineage ${l.direction}, depth ${lin!.depth} (${num(lin!.artifacts)} artifacts, ${num(lin!.edges)} edges)`,
      `p50/p95/p99 ${num(l.p50, 1)}/${num(l.p95, 1)}/${num(l.p99, 1)} ms`,
      `${num(l.meanNodes, 1)} nodes on average, ${num(l.truncated)} of ${num(lin!.queries)} truncated at ${num(lin!.limit)}`,
    ]);
  if (lin)
    rows.push([
      'coalescing, training-job workload',
      `${num(lin.reduction.rows)} rows → ${num(lin.reduction.events)} provenance events`,
      `${num(lin.reduction.ratio, 1)}:1`,
    ]);
  if (lin?.throughput) {
    const { on, off } = lin.throughput;
    rows.push([
      `both sinks, provenance on / off (${num(on.rows)}-row backlog)`,
      `${num(on.rowsPerSec)} / ${num(off.rowsPerSec)} rows/s (steady ${num(on.steadyRowsPerSec)} / ${num(off.steadyRowsPerSec)})`,
      `load average ${num(on.loadAverage[0], 1)} / ${num(off.loadAverage[0], 1)}`,
    ]);
  }
  return [
    `Run \`${r.run}\` (${r.mode}, ${r.startedAt}, ${num(r.durationS)} s); machine: ${machineLine(r)}; load average ${num(r.loadAverage.start, 1)} → ${num(r.loadAverage.end, 1)} (shared).`,
    `Versions: ${versionsLine(r)}.`,
    '',
    table(['what', 'measured', 'note'], rows),
    '',
    table(
      ['target (issue 12; measured, never asserted)', 'measured (median, min–max)', 'verdict'],
      targetRows(r),
    ),
  ].join('\n');
}

function report(r: BenchResults): string {
  return `${SECTIONS.flatMap((section) => section(r)).join('\n')}\n`;
}

/** Replaces the block between the README's result markers with the summary table. */
export function updateReadme(readme: string, summary: string): void {
  if (!existsSync(readme)) return;
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- results:start -->';
  const end = '<!-- results:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return;
  writeFileSync(readme, `${text.slice(0, a + start.length)}\n${summary}\n${text.slice(b)}`);
}
