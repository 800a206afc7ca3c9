import type { DebeziumResult } from '../phases/debezium';
import { spread } from '../repeats';
import type { BenchResults } from '../results';
import {
  lagCells,
  lagHeader,
  LOAD_HEADER,
  loadCells,
  ms,
  num,
  pct,
  ratioRows,
  sat,
  section,
  snapshots,
  table,
  withSpread,
} from './facts';
import { lagBreakdown } from './breakdown';
import { conditions } from './conditions';
import { catchup, ceilings, saturation } from './throughput';
import { disturbedNotes, targetRows } from './targets';

// The sections of report.md, in order; each returns its lines, or none when its phase did not run.

export function machineLine(r: BenchResults): string {
  const m = r.machine;
  return `${m.nproc} cores (${m.cpuModel}), ${num(m.memoryGiB, 1)} GiB`;
}

export function versionsLine(r: BenchResults): string {
  return Object.entries(r.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** The title, the run, the machine, the targets and the ratios. */
function header(r: BenchResults): string[] {
  return [
    `# epipe benchmark report (${r.mode})`,
    '',
    `Run \`${r.run}\`, started ${r.startedAt}, took ${num(r.durationS)} s. Machine: ${machineLine(r)}. ` +
      `Load average ${num(r.loadAverage.start, 1)} at the start, ${num(r.loadAverage.end, 1)} at the end (the bench's own processes included): the machine is shared, so ` +
      'every comparison below is between things measured in this same run.',
    '',
    `Versions: ${versionsLine(r)}.`,
    '',
    '## Targets',
    '',
    (r.repeats ?? 1) > 1
      ? `Each ceiling, each end-to-end drain and Debezium's snapshot ran ${r.repeats} times, interleaved (ceilings, drains, ` +
        'Debezium, ceilings, …); every figure below is the median, with min–max in parentheses, and every ratio is of medians. ' +
        '"disturbed": a run it comes from ran while other processes took CPU, a service restarted, or ' +
        'Elasticsearch still merging (see Run conditions); the measured value is shown, the verdict is withheld.'
      : 'Each figure comes from one run.',
    '',
    table(['target', 'measured', 'verdict'], targetRows(r)),
    '',
    ...disturbedNotes(r).flatMap((n, i, all) => [`- disturbed: ${n}`, ...(i === all.length - 1 ? [''] : [])]),
    '## Ratios (of medians)',
    '',
    table(['ratio', 'value', 'from'], ratioRows(r)),
    '',
  ];
}

/** The cost of logging: the same operations with and without fs_log rows. */
function overhead(r: BenchResults): string[] {
  return section('Logging overhead', r.overhead, (o) => [
    `${o.writers} writers in one process, ${o.secondsPerRun} s per run, as fast as they go, the HopsFS-like mix; the same ` +
      'operations with `NameNodeOptions.logging: false` (no fs_log insert) as the baseline; rounds alternate the order.',
    '',
    table(
      ['round', 'order', 'with log (ops/s)', 'without (ops/s)', 'overhead'],
      o.rounds.map((x) => [
        String(x.round),
        x.order,
        num(x.withLogOpsPerSec),
        num(x.withoutLogOpsPerSec),
        pct((1 - x.withLogOpsPerSec / x.withoutLogOpsPerSec) * 100),
      ]),
    ),
    '',
    `Totals: ${num(o.withLogOpsPerSec)} vs ${num(o.withoutLogOpsPerSec)} ops/s, overhead ${pct(o.overheadPct)} ` +
      `(median of rounds ${pct(o.medianRoundOverheadPct)}, rounds from ${pct(o.roundRangePct[0])} to ${pct(o.roundRangePct[1])}); ` +
      `${num(o.logRowsPerOp, 2)} log rows per operation.`,
    '',
  ]);
}

/** Lag at fixed offered loads. */
function lag(r: BenchResults): string[] {
  return section('Lag at fixed offered loads', r.lag, (lag) => [
    `One daemon with both sinks and default settings (epoch 50 ms, index refresh ${lag.refreshInterval}); ` +
      `${lag.writerProcesses} writer processes × ${lag.writersPerProcess} writers offer each load in turn. Kafka lag: every ` +
      'event, writer commit_ts_ms (stamped right before COMMIT) to the moment the consumer is handed it. Searchable lag: ' +
      `sampled writes, polled with a search every ${lag.searchPollMs} ms until the index shows that version (resolution ` +
      `≈ ${lag.searchPollMs} ms plus a search round trip). Daemon peak RSS over the phase: ${num(lag.peakRssMiB)} MiB.`,
    '',
    table(
      [
        ...LOAD_HEADER,
        ...lagHeader('Kafka'),
        ...lagHeader('searchable'),
        'samples',
        'daemon CPU',
        'disturbed',
      ],
      lag.loads.map((l) => [
        ...loadCells(l),
        ...lagCells(l.kafka),
        ...lagCells(l.search),
        `${num(l.search.count)}${l.search.unresolved ? ` (+${l.search.unresolved} deleted first)` : ''}`,
        `${num(l.daemonCpuPercent)}%`,
        l.disturbed?.join('; ') || (l.disturbed ? 'no' : '–'),
      ]),
    ),
    '',
    'CPU during each load, in percent of one core (the machine has ' +
      `${r.machine.nproc * 100}%): ` +
      [...lag.loads, ...(lag.kafkaOnly ? [lag.kafkaOnly] : [])]
        .filter((l) => l.cpu)
        .map(
          (l) =>
            `${l.label}: ${Object.entries(l.cpu)
              .map(([k, v]) => `${k} ${v}%`)
              .join(', ')}`,
        )
        .join('; ') +
      '. The rest of the machine column is the writer processes, the consumer and anyone else.',
    '',
    ...(lag.kafkaOnly
      ? [
          `The same daemon restarted with the search sink off, at ${lag.kafkaOnly.label}: Kafka p50 ${ms(lag.kafkaOnly.kafka.p50)}, ` +
            `p95 ${ms(lag.kafkaOnly.kafka.p95)}, p99 ${ms(lag.kafkaOnly.kafka.p99)}, max ${ms(lag.kafkaOnly.kafka.max)} ` +
            `(${num(lag.kafkaOnly.achievedOpsPerSec)} ops/s achieved, daemon CPU ${num(lag.kafkaOnly.daemonCpuPercent)}%).`,
          '',
        ]
      : []),
    '![lag CDF](lag-cdf.svg)',
    '',
  ]);
}

/** SIGKILL and restart under load, and completeness over the lag phase. */
function restart(r: BenchResults): string[] {
  const delivery = r.lag?.delivery;
  return section('SIGKILL and restart under load', r.lag?.restart, (rs) => [
    `Writers offer ${num(rs.offeredOpsPerSec)} ops/s; the daemon is killed with SIGKILL and started again ` +
      `${num(rs.outageMs / 1000, 1)} s later. Steady lag before the kill: p95 ${ms(rs.steadyP95Ms)}; "back to steady" is the ` +
      `first second (by receive time) that, with the next, has a p95 at or below ${ms(rs.thresholdMs)}.`,
    '',
    table(
      [
        'kill → ready',
        'restart → steady',
        'kill → steady',
        'max lag',
        'duplicates (replayed, dropped by id)',
        'unique events',
      ],
      [
        [
          ms(rs.killToReadyMs),
          ms(rs.restartToSteadyMs),
          ms(rs.killToSteadyMs),
          ms(rs.maxLagMs),
          num(rs.duplicates),
          num(rs.uniqueEvents),
        ],
      ],
    ),
    '',
    ...(delivery
      ? [
          `Completeness over the whole lag phase (every load, the kill and the restart): ${num(delivery.uniqueEvents)} ` +
            `distinct events, ${num(delivery.duplicates)} duplicates, ${num(delivery.missingLogIds)} of the log ids ` +
            `1..${num(delivery.highestLogId)} never delivered` +
            (delivery.firstMissing.length ? ` (first: ${delivery.firstMissing.join(', ')})` : '') +
            `, ${num(delivery.logRowsLeft)} rows left in fs_log.`,
          '',
        ]
      : []),
    '![lag around a restart](restart.svg)',
    '',
  ]);
}

/** One drained backlog as a row of the Debezium table: rows, startup, time, rate, memory, CPU. */
function drainRow(label: string, x: NonNullable<DebeziumResult['snapshot']>): string[] {
  return [
    label,
    num(x.rows),
    ms(x.startupMs),
    ms(x.activeMs),
    num(x.rowsPerSec),
    `${num(x.peakRssMiB)} MiB`,
    `${num(x.cpuPercent)}%`,
  ];
}

/** Debezium beside epipe. */
function debezium(r: BenchResults): string[] {
  return section('Debezium, side by side', r.debezium, (d) => {
    const out: string[] = [
      `Debezium ${d.debezium} MariaDB connector in Kafka Connect ${d.connect} standalone; ${d.settings}.`,
      '',
    ];
    const snaps = snapshots(r);
    if (!snaps.length) out.push(`**It did not run here:** ${d.error ?? 'unknown error'}`, '');
    else {
      const k = sat(r, 'kafka');
      const b = sat(r, 'both');
      out.push(
        `Snapshot rate, median (min–max) of ${snaps.length}: **${withSpread(spread(snaps.map((x) => x.rowsPerSec)))} rows/s**; ` +
          'epipe rows below are the median-rate drain of each mode.',
        '',
        table(
          ['', 'rows', 'startup', 'publishing time', 'rows/s', 'peak RSS', 'CPU'],
          [
            ...snaps.map((x) =>
              drainRow(
                `Debezium snapshot → Kafka, round ${num(x.round)}${x.disturbed?.length ? ' (disturbed)' : ''}`,
                x,
              ),
            ),
            ...(k ? [drainRow('epipe, Kafka only (+ deletes)', k)] : []),
            ...(b ? [drainRow('epipe, Kafka + Elasticsearch (+ deletes)', b)] : []),
          ],
        ),
        '',
        'Debezium publishes each row as it is (no paths, no execution context, no search index) and deletes nothing; ' +
          'epipe enriches every event, writes the search index, and deletes each acknowledged row. Debezium reads a backlog with ' +
          'its snapshot (a SELECT of the table), epipe with its recovery scan: both read rows already in the table. Startup: ' +
          'Debezium from JVM spawn to the first record; epipe from spawn to /readyz.',
        '',
      );
      if (d.loads.length) {
        out.push(
          table(
            [...LOAD_HEADER, ...lagHeader('Debezium Kafka'), 'epipe Kafka p50', 'p99'],
            d.loads.map((l) => {
              const e = r.lag?.loads.find((x) => x.label === l.label);
              return [...loadCells(l), ...lagCells(l.kafka), ms(e?.kafka.p50), ms(e?.kafka.p99)];
            }),
          ),
          '',
        );
      }
    }
    return out;
  });
}

/** Where the daemon's time goes. */
function profile(r: BenchResults): string[] {
  return section("Where the daemon's time goes", r.profile, (p) => {
    const out: string[] = [
      `\`node --cpu-prof\` on the daemon while it drains a ${num(p.run.rows)}-row backlog into ${p.sinks === 'both' ? 'both sinks' : p.sinks} ` +
        `(${num(p.run.rowsPerSec)} rows/s under the profiler). Main thread only.` +
        (p.profile
          ? ` Busy ${ms(p.profile.busyMs)}, idle ${ms(p.profile.idleMs)}: the daemon waits on its sinks and the database for ${pct((100 * p.profile.idleMs) / (p.profile.busyMs + p.profile.idleMs))} of the run.`
          : ''),
      '',
    ];
    if (p.profile) {
      out.push(
        table(
          ['component', 'self time', 'share of busy time'],
          p.profile.byComponent.map((e) => [e.name, ms(e.selfMs), pct(e.pct)]),
        ),
        '',
        table(
          ['function', 'where', 'self time', 'share'],
          p.profile.topFunctions.map((e) => [`\`${e.name}\``, `\`${e.where}\``, ms(e.selfMs), pct(e.pct)]),
        ),
        '',
      );
    }
    return out;
  });
}

/** Notes, and which load stood in for half of saturation. */
function notes(r: BenchResults): string[] {
  const out: string[] = [];
  out.push('## Notes', '', ...(r.notes.length ? r.notes.map((n) => `- ${n}`) : ['- none']), '');
  return out;
}

export const SECTIONS: ((r: BenchResults) => string[])[] = [
  header,
  overhead,
  ceilings,
  saturation,
  catchup,
  lag,
  lagBreakdown,
  restart,
  debezium,
  profile,
  conditions,
  notes,
];
