import type { BenchResults } from '../results';
import type { LagAtLoad } from '../phases/lag';
import type { DrainRun } from '../phases/saturation';

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

export function sat(r: BenchResults, sinks: DrainRun['sinks']): DrainRun | undefined {
  return r.saturation?.find((s) => s.sinks === sinks && !s.variant);
}

/** The load the p99 target speaks of: 50% of saturation, or what stood in for it. */
export function halfLoad(r: BenchResults): LagAtLoad | undefined {
  return (
    r.lag?.loads.find((l) => l.label.startsWith('50%')) ?? r.lag?.loads.find((l) => l.label.includes('max'))
  );
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

/** The four targets of the issue, measured, never asserted. */
export function targetRows(r: BenchResults): string[][] {
  const rows: string[][] = [];
  const o = r.overhead;
  rows.push([
    'logging overhead ≤ 10%',
    o
      ? `${pct(o.overheadPct)} (${num(o.withLogOpsPerSec)} vs ${num(o.withoutLogOpsPerSec)} ops/s; median of ${o.rounds.length} rounds ${pct(o.medianRoundOverheadPct)}, range ${pct(o.roundRangePct[0])} to ${pct(o.roundRangePct[1])})`
      : '–',
    o ? (o.overheadPct <= 10 ? 'met' : 'not met') : 'not measured',
  ]);
  const both = sat(r, 'both');
  const c = r.ceilings;
  if (both && c) {
    const ratio = (100 * both.rowsPerSec) / c.smallest.perSec;
    rows.push([
      'end-to-end ≥ 70% of the smallest raw ceiling',
      `${pct(ratio)} (${num(both.rowsPerSec)} rows/s, Kafka + Elasticsearch, vs ${c.smallest.what} ${num(c.smallest.perSec)}/s)`,
      ratio >= 70 ? 'met' : 'not met',
    ]);
  } else rows.push(['end-to-end ≥ 70% of the smallest raw ceiling', '–', 'not measured']);
  const half = halfLoad(r);
  if (half) {
    const ok = half.kafka.p99 < 500 && half.search.p99 < 500;
    rows.push([
      'p99 lag < 500 ms at 50% of saturation',
      `${half.label}: Kafka p99 ${ms(half.kafka.p99)}, searchable p99 ${ms(half.search.p99)} (at ${num(half.achievedOpsPerSec)} ops/s achieved)`,
      ok ? 'met' : half.kafka.p99 < 500 ? 'met for Kafka, not for search' : 'not met',
    ]);
  } else rows.push(['p99 lag < 500 ms at 50% of saturation', '–', 'not measured']);
  const d = r.debezium;
  const kafka = sat(r, 'kafka');
  if (d?.snapshot && kafka) {
    rows.push([
      'throughput ≥ Debezium',
      `epipe Kafka only ${num(kafka.rowsPerSec)} rows/s (both sinks ${num(both?.rowsPerSec)}) vs Debezium ${num(d.snapshot.rowsPerSec)} rows/s`,
      kafka.rowsPerSec >= d.snapshot.rowsPerSec ? 'met' : 'not met',
    ]);
  } else
    rows.push(['throughput ≥ Debezium', d?.error ? `Debezium did not run: ${d.error}` : '–', 'not measured']);
  const lin = r.lineage;
  rows.push([
    'lineage depth-3 p95 < 100 ms (≈50k artifacts, 200k edges)',
    lin ? lin.latency.map((l) => `${l.direction} p95 ${ms(l.p95)}`).join(', ') : '–',
    lin ? (lin.latency.every((l) => l.p95 < 100) ? 'met' : 'not met') : 'not measured',
  ]);
  return rows;
}

export function ratioRows(r: BenchResults): string[][] {
  const rows: string[][] = [];
  const c = r.ceilings;
  const add = (what: string, a: number | undefined, b: number | undefined, how: string): void => {
    if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return;
    rows.push([what, num(a / b, 2), how]);
  };
  if (r.overhead)
    add(
      'writers with / without the log row',
      r.overhead.withLogOpsPerSec,
      r.overhead.withoutLogOpsPerSec,
      `${num(r.overhead.withLogOpsPerSec)} / ${num(r.overhead.withoutLogOpsPerSec)} ops/s`,
    );
  if (c) {
    const zj = c.zongjiOneRowTx.perSec;
    for (const s of r.saturation ?? []) {
      const ceiling =
        s.sinks === 'kafka'
          ? Math.min(zj, c.kafkajs.perSec)
          : s.sinks === 'elastic'
            ? Math.min(zj, c.elasticBulk.perSec)
            : c.smallest.perSec;
      add(
        `epipe ${sinksLabel(s)} / its smallest ceiling`,
        s.rowsPerSec,
        ceiling,
        `${num(s.rowsPerSec)} / ${num(ceiling)} per s`,
      );
    }
    const es = sat(r, 'elastic');
    if (es)
      add(
        'epipe search-sink documents/s / Elasticsearch bulk ceiling',
        (es.eventsElastic * 1000) / es.activeMs,
        c.elasticBulk.perSec,
        `${num((es.eventsElastic * 1000) / es.activeMs)} / ${num(c.elasticBulk.perSec)} docs/s`,
      );
    add(
      "epipe's Kafka sink / kafkajs alone",
      c.kafkaSink.perSec,
      c.kafkajs.perSec,
      `${num(c.kafkaSink.perSec)} / ${num(c.kafkajs.perSec)} events/s`,
    );
    add(
      "epipe's search sink / bulk alone",
      c.elasticSink.perSec,
      c.elasticBulk.perSec,
      `${num(c.elasticSink.perSec)} / ${num(c.elasticBulk.perSec)} docs/s`,
    );
  }
  const d = r.debezium;
  if (d?.snapshot) {
    const k = sat(r, 'kafka');
    const b = sat(r, 'both');
    if (k)
      add(
        'epipe Kafka only / Debezium (backlog rows/s)',
        k.rowsPerSec,
        d.snapshot.rowsPerSec,
        `${num(k.rowsPerSec)} / ${num(d.snapshot.rowsPerSec)}`,
      );
    if (b)
      add(
        'epipe both sinks / Debezium (backlog rows/s)',
        b.rowsPerSec,
        d.snapshot.rowsPerSec,
        `${num(b.rowsPerSec)} / ${num(d.snapshot.rowsPerSec)}`,
      );
    for (const dl of d.loads) {
      const el = r.lag?.loads.find((l) => l.label === dl.label);
      if (el)
        add(
          `Kafka lag p50 at ${dl.label}: epipe / Debezium`,
          el.kafka.p50,
          dl.kafka.p50,
          `${ms(el.kafka.p50)} / ${ms(dl.kafka.p50)}`,
        );
      if (el)
        add(
          `Kafka lag p99 at ${dl.label}: epipe / Debezium`,
          el.kafka.p99,
          dl.kafka.p99,
          `${ms(el.kafka.p99)} / ${ms(dl.kafka.p99)}`,
        );
    }
  }
  const cu = r.catchup;
  const b = sat(r, 'both');
  if (cu && b && cu !== b)
    add(
      'catch-up rate / saturation rate (both sinks)',
      cu.rowsPerSec,
      b.rowsPerSec,
      `${num(cu.rowsPerSec)} / ${num(b.rowsPerSec)} rows/s`,
    );
  for (const l of r.lag?.loads ?? [])
    add(
      `searchable / Kafka lag p50 at ${l.label}`,
      l.search.p50,
      l.kafka.p50,
      `${ms(l.search.p50)} / ${ms(l.kafka.p50)}`,
    );
  return rows;
}
