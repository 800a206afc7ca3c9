import type { DrainRun } from '../phases/saturation';
import { spread } from '../repeats';
import type { BenchResults } from '../results';
import {
  ceilingRuns,
  type CeilingKey,
  ceilingSpread,
  cpuPerThousandRows,
  drains,
  ms,
  num,
  pct,
  sat,
  section,
  sinksLabel,
  table,
  withSpread,
} from './facts';

// The report's throughput sections: each component alone, the end-to-end drains, the catch-up.

const CEILINGS: CeilingKey[] = [
  'zongjiOneRowTx',
  'zongjiHundredRowTx',
  'sourceScan',
  'kafkajs',
  'kafkaSink',
  'elasticBulk',
  'elasticSink',
];

/** Each component alone, every round. */
export function ceilings(r: BenchResults): string[] {
  if (!r.ceilings?.length) return [];
  const rounds = r.ceilings.length;
  return [
    '## Raw ceilings (each component alone)',
    '',
    table(
      ['component', 'items', 'median per second (min–max)', ...r.ceilings.map((_, i) => `round ${i + 1}`)],
      CEILINGS.filter((k) => ceilingRuns(r, k).length > 0).map((k) => {
        const runs = ceilingRuns(r, k);
        return [
          runs[0]!.what,
          num(runs[0]!.items),
          withSpread(ceilingSpread(r, k)),
          ...Array.from({ length: rounds }, (_, i) => {
            const c = r.ceilings![i]![k];
            return c ? `${num(c.perSec)}${c.disturbed?.length ? ' (d)' : ''}` : '–';
          }),
        ];
      }),
    ),
    '',
    '(d): that run was disturbed. zongji reads rows committed beforehand from the ' +
      'binlog position noted before them (pure decode, no epipe code); kafkajs and Elasticsearch get pre-built events/documents ' +
      'of the workload\'s shape (distinct inodes); "epipe\'s … sink" rows are the same through the libs. Elasticsearch ' +
      'finished its merges before each ceiling.',
    '',
  ];
}

const MODES: { sinks: DrainRun['sinks']; withoutMoves: boolean; label: string }[] = [
  { sinks: 'kafka', withoutMoves: false, label: 'Kafka only' },
  { sinks: 'elastic', withoutMoves: false, label: 'Elasticsearch only' },
  { sinks: 'both', withoutMoves: false, label: 'Kafka + Elasticsearch' },
  { sinks: 'elastic', withoutMoves: true, label: 'Elasticsearch only, no directory moves' },
];

/** End-to-end throughput with a preloaded backlog: medians per sink mode, then every run. */
export function saturation(r: BenchResults): string[] {
  const all = r.saturation ?? [];
  if (!all.length) return [];
  const med = (runs: DrainRun[], f: (d: DrainRun) => number, digits = 0): string =>
    withSpread(spread(runs.map(f)), digits);
  return [
    '## End-to-end throughput at saturation',
    '',
    "A backlog of the workload's rows is preloaded (copies of the logged workload, each its own subtree), the daemon is " +
      'started, and the clock runs from its /readyz to an empty fs_log: every row delivered to the enabled sinks and deleted. ' +
      'Elasticsearch finished its merges before each drain. Medians (min–max) over the rounds:',
    '',
    table(
      [
        'sinks',
        'runs',
        'rows/s',
        'steady 10–90%',
        'last / first 10%',
        'CPU-s per 1,000 rows',
        'peak RSS (MiB)',
        'CPU',
      ],
      MODES.map((m) => ({ m, runs: drains(r, m.sinks, m.withoutMoves) }))
        .filter(({ runs }) => runs.length > 0)
        .map(({ m, runs }) => [
          m.label,
          `${runs.length}${runs.some((d) => d.disturbed?.length) ? ` (${runs.filter((d) => d.disturbed?.length).length} disturbed)` : ''}`,
          med(runs, (d) => d.rowsPerSec),
          med(runs, (d) => d.steadyRowsPerSec),
          med(runs, (d) => d.flatness?.ratio ?? Number.NaN, 2),
          med(runs, cpuPerThousandRows, 3),
          med(runs, (d) => d.peakRssMiB),
          med(runs, (d) => d.cpuPercent, 0) + '%',
        ]),
    ),
    '',
    'CPU-seconds per 1,000 rows: utime + stime of the daemon process (every thread) from /proc, from /readyz to an empty log. ' +
      'Every run:',
    '',
    table(
      [
        'round',
        'sinks',
        'rows',
        'dir moves',
        'startup',
        'ready → empty',
        'rows/s',
        'Kafka events',
        'search docs',
        'dead letters',
        'peak RSS',
        'CPU',
        'disturbed',
      ],
      all.map((s) => [
        num(s.round),
        sinksLabel(s),
        num(s.rows),
        num(s.directoryMoves),
        ms(s.startupMs),
        ms(s.activeMs),
        num(s.rowsPerSec),
        num(s.eventsKafka),
        num(s.eventsElastic),
        num(s.deadLetters),
        `${num(s.peakRssMiB)} MiB`,
        `${num(s.cpuPercent)}%`,
        s.disturbed?.join('; ') || 'no',
      ]),
    ),
    '',
    'Checks after each run: ' +
      all
        .map(
          (s) =>
            `${s.sinks}${s.round ? ` r${s.round}` : ''}: ${s.kafkaRecords !== null ? `${num(s.kafkaRecords)} records in the topic` : ''}${s.kafkaRecords !== null && s.searchDocs !== null ? ', ' : ''}${s.searchDocs !== null ? `${num(s.searchDocs)} documents for ${num(s.liveInodes)} live inodes` : ''}`,
        )
        .join('; ') +
      '. The search sink writes one document per inode and batch (the newest state), so it writes fewer documents than rows.',
    '',
    "Time inside the sink calls (the daemon's `epipe_sink_batch_seconds`), the median-rate run of each mode: " +
      MODES.filter((m) => !m.withoutMoves)
        .map((m) => sat(r, m.sinks))
        .filter((s): s is DrainRun => !!s)
        .map((s) =>
          Object.entries(s.sinkSeconds)
            .filter(([, v]) => v.calls > 0)
            .map(
              ([k, v]) =>
                `${s.sinks}/${k} ${num(v.seconds, 1)} s in ${num(v.calls)} calls (${pct((100 * v.seconds * 1000) / s.activeMs)} of ready → empty)`,
            )
            .join(', '),
        )
        .join('; ') +
      '.',
    '',
    '![throughput over time](throughput.svg)',
    '',
  ];
}

/** The big backlog (full run), or the "both sinks" drain with the median rate (quick run). */
export function catchup(r: BenchResults): string[] {
  return section('Catch-up', r.mode === 'full' && r.catchup ? r.catchup : sat(r, 'both'), (cu) => {
    const f = cu.flatness;
    return [
      `A ${num(cu.rows)}-row backlog with both sinks: ${num(cu.drainMs / 1000, 1)} s from daemon start to an empty log ` +
        `(${num(cu.rowsPerSec)} rows/s from /readyz), peak RSS ${num(cu.peakRssMiB)} MiB, CPU ${num(cu.cpuPercent)}% of one core` +
        (f
          ? `; first 10% of the rows at ${num(f.firstTenthPerSec)} rows/s, last 10% at ${num(f.lastTenthPerSec)} (last / first ${num(f.ratio, 2)}).`
          : '.') +
        (r.mode === 'quick'
          ? ' (Quick mode: the "both sinks" drain with the median rate; `make bench-full` drains 1,000,000 rows.)'
          : ''),
      '',
      '![catch-up: rows/s and resident memory over time](catchup.svg)',
      '',
    ];
  });
}
