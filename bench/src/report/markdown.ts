import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from '../results';
import { halfLoad, ms, num, pct, ratioRows, sat, sinksLabel, table, targetRows } from './facts';
import { lineChart, type Series } from './svg';

/** Writes report.md and its SVG plots into `dir`; returns the report's text. */
export function writeReport(r: BenchResults, dir: string): string {
  writeFileSync(join(dir, 'lag-cdf.svg'), lagCdf(r));
  writeFileSync(join(dir, 'throughput.svg'), throughput(r));
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

function throughput(r: BenchResults): string {
  const series: Series[] = (r.saturation ?? []).map((s) => ({
    name: `${sinksLabel(s)} (${num(s.rows)} rows)`,
    points: windowRate(s.series),
  }));
  if (r.catchup && r.mode === 'full')
    series.push({
      name: `catch-up, both sinks (${num(r.catchup.rows)} rows)`,
      points: windowRate(r.catchup.series),
      dashed: true,
    });
  return lineChart({
    title: 'epipe draining a preloaded backlog: rows deleted per second (2 s window)',
    xLabel: 'seconds since the daemon was started',
    yLabel: 'rows acknowledged and deleted / s',
    series,
  });
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

function machineLine(r: BenchResults): string {
  const m = r.machine;
  return `${m.nproc} cores (${m.cpuModel}), ${num(m.memoryGiB, 1)} GiB`;
}

function versionsLine(r: BenchResults): string {
  return Object.entries(r.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
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
  const c = r.ceilings;
  if (c) {
    rows.push([
      'zongji decode alone (1 row/tx; 100 rows/tx)',
      `${num(c.zongjiOneRowTx.perSec)}; ${num(c.zongjiHundredRowTx.perSec)} rows/s`,
      'raw ceiling',
    ]);
    rows.push([
      'kafkajs produce alone (idempotent, acks=all)',
      `${num(c.kafkajs.perSec)} events/s`,
      'raw ceiling',
    ]);
    rows.push(['Elasticsearch bulk alone', `${num(c.elasticBulk.perSec)} docs/s`, 'raw ceiling']);
  }
  for (const s of r.saturation ?? []) {
    const ceiling = c
      ? s.sinks === 'kafka'
        ? Math.min(c.zongjiOneRowTx.perSec, c.kafkajs.perSec)
        : s.sinks === 'elastic'
          ? Math.min(c.zongjiOneRowTx.perSec, c.elasticBulk.perSec)
          : c.smallest.perSec
      : Number.NaN;
    rows.push([
      `epipe end-to-end, ${sinksLabel(s)}`,
      `${num(s.rowsPerSec)} rows/s (${num(s.rows)}-row backlog)`,
      `${pct((100 * s.rowsPerSec) / ceiling)} of its smallest ceiling; peak RSS ${num(s.peakRssMiB)} MiB, CPU ${num(s.cpuPercent)}%`,
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
  if (d?.snapshot) {
    rows.push([
      `Debezium ${d.debezium} snapshot of the same backlog`,
      `${num(d.snapshot.rowsPerSec)} rows/s`,
      `JVM peak RSS ${num(d.snapshot.peakRssMiB)} MiB`,
    ]);
    for (const l of d.loads)
      rows.push([
        `Debezium lag at ${l.label}`,
        `Kafka p50/p99 ${num(l.kafka.p50)}/${num(l.kafka.p99)} ms`,
        '',
      ]);
  } else if (d) rows.push([`Debezium ${d.debezium}`, 'did not run', d.error ?? '']);
  return [
    `Run \`${r.run}\` (${r.mode}, ${r.startedAt}, ${num(r.durationS)} s); machine: ${machineLine(r)}; load average ${num(r.loadAverage.start, 1)} → ${num(r.loadAverage.end, 1)} (shared).`,
    `Versions: ${versionsLine(r)}.`,
    '',
    table(['what', 'measured', 'note'], rows),
    '',
    table(['target (measured, never asserted)', 'measured', 'verdict'], targetRows(r)),
  ].join('\n');
}

function report(r: BenchResults): string {
  const out: string[] = [];
  const push = (...lines: string[]): void => {
    out.push(...lines);
  };
  push(
    `# epipe benchmark report (${r.mode})`,
    '',
    `Run \`${r.run}\`, started ${r.startedAt}, took ${num(r.durationS)} s. Machine: ${machineLine(r)}. ` +
      `Load average ${num(r.loadAverage.start, 1)} at the start, ${num(r.loadAverage.end, 1)} at the end: the machine is shared, so ` +
      'every comparison below is between things measured in this same run.',
    '',
    `Versions: ${versionsLine(r)}.`,
    '',
    '## Targets',
    '',
    table(['target', 'measured', 'verdict'], targetRows(r)),
    '',
    '## Ratios',
    '',
    table(['ratio', 'value', 'from'], ratioRows(r)),
    '',
  );
  const o = r.overhead;
  if (o) {
    push(
      '## Logging overhead',
      '',
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
    );
  }
  const c = r.ceilings;
  if (c) {
    push(
      '## Raw ceilings (each component alone)',
      '',
      table(
        ['component', 'items', 'time', 'per second'],
        [
          c.zongjiOneRowTx,
          c.zongjiHundredRowTx,
          c.sourceScan,
          c.kafkajs,
          c.kafkaSink,
          c.elasticBulk,
          c.elasticSink,
        ].map((x) => [x.what, num(x.items), ms(x.ms), num(x.perSec)]),
      ),
      '',
      `Smallest raw ceiling: **${c.smallest.what}, ${num(c.smallest.perSec)}/s**. zongji reads rows committed beforehand from the ` +
        'binlog position noted before them (pure decode, no epipe code); kafkajs and Elasticsearch get pre-built events/documents ' +
        'of the workload\'s shape (distinct inodes); "epipe\'s … sink" rows are the same through the libs.',
      '',
    );
  }
  if (r.saturation?.length) {
    push(
      '## End-to-end throughput at saturation',
      '',
      "A backlog of the workload's rows is preloaded (copies of the logged workload, each its own subtree), the daemon is " +
        'started, and the clock runs from its /readyz to an empty fs_log: every row delivered to the enabled sinks and deleted.',
      '',
      table(
        [
          'sinks',
          'rows',
          'dir moves',
          'startup',
          'ready → empty',
          'rows/s',
          'steady 10–90%',
          'Kafka events',
          'search docs written',
          'dead letters',
          'peak RSS',
          'CPU',
        ],
        r.saturation.map((s) => [
          sinksLabel(s),
          num(s.rows),
          num(s.directoryMoves),
          ms(s.startupMs),
          ms(s.activeMs),
          num(s.rowsPerSec),
          num(s.steadyRowsPerSec),
          num(s.eventsKafka),
          num(s.eventsElastic),
          num(s.deadLetters),
          `${num(s.peakRssMiB)} MiB`,
          `${num(s.cpuPercent)}%`,
        ]),
      ),
      '',
      'Checks after each run: ' +
        r.saturation
          .map(
            (s) =>
              `${s.sinks}: ${s.kafkaRecords !== null ? `${num(s.kafkaRecords)} records in the topic` : ''}${s.kafkaRecords !== null && s.searchDocs !== null ? ', ' : ''}${s.searchDocs !== null ? `${num(s.searchDocs)} documents for ${num(s.liveInodes)} live inodes` : ''}`,
          )
          .join('; ') +
        '. The search sink writes one document per inode and batch (the newest state), so it writes fewer documents than rows; ' +
        'a directory move is a barrier in it (refresh, find the descendants, rewrite them, refresh).',
      '',
      "Time inside the sink calls (the daemon's `epipe_sink_batch_seconds`): " +
        r.saturation
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
    );
  }
  if (r.catchup) {
    const cu = r.catchup;
    push(
      '## Catch-up',
      '',
      `A ${num(cu.rows)}-row backlog with both sinks: ${num(cu.drainMs / 1000, 1)} s from daemon start to an empty log ` +
        `(${num(cu.rowsPerSec)} rows/s from /readyz), peak RSS ${num(cu.peakRssMiB)} MiB, CPU ${num(cu.cpuPercent)}% of one core.` +
        (r.mode === 'quick'
          ? ' (Quick mode: this is the "both sinks" saturation run; `make bench-full` drains 1,000,000 rows.)'
          : ''),
      '',
    );
  }
  const lag = r.lag;
  if (lag) {
    push(
      '## Lag at fixed offered loads',
      '',
      `One daemon with both sinks and default settings (epoch 50 ms, index refresh ${lag.refreshInterval}); ` +
        `${lag.writerProcesses} writer processes × ${lag.writersPerProcess} writers offer each load in turn. Kafka lag: every ` +
        'event, writer commit_ts_ms (stamped right before COMMIT) to the moment the consumer is handed it. Searchable lag: ' +
        `sampled writes, polled with a search every ${lag.searchPollMs} ms until the index shows that version (resolution ` +
        `≈ ${lag.searchPollMs} ms plus a search round trip). Daemon peak RSS over the phase: ${num(lag.peakRssMiB)} MiB.`,
      '',
      table(
        [
          'load',
          'achieved ops/s',
          'events/s',
          'Kafka p50',
          'p95',
          'p99',
          'max',
          'searchable p50',
          'p95',
          'p99',
          'max',
          'samples',
          'daemon CPU',
        ],
        lag.loads.map((l) => [
          l.label,
          num(l.achievedOpsPerSec),
          num(l.eventsPerSec),
          ms(l.kafka.p50),
          ms(l.kafka.p95),
          ms(l.kafka.p99),
          ms(l.kafka.max),
          ms(l.search.p50),
          ms(l.search.p95),
          ms(l.search.p99),
          ms(l.search.max),
          `${num(l.search.count)}${l.search.unresolved ? ` (+${l.search.unresolved} deleted first)` : ''}`,
          `${num(l.daemonCpuPercent)}%`,
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
    );
    const rs = lag.restart;
    if (rs) {
      push(
        '## SIGKILL and restart under load',
        '',
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
        ...(lag.delivery
          ? [
              `Completeness over the whole lag phase (every load, the kill and the restart): ${num(lag.delivery.uniqueEvents)} ` +
                `distinct events, ${num(lag.delivery.duplicates)} duplicates, ${num(lag.delivery.missingLogIds)} of the log ids ` +
                `1..${num(lag.delivery.highestLogId)} never delivered` +
                (lag.delivery.firstMissing.length
                  ? ` (first: ${lag.delivery.firstMissing.join(', ')})`
                  : '') +
                `, ${num(lag.delivery.logRowsLeft)} rows left in fs_log.`,
              '',
            ]
          : []),
        '![lag around a restart](restart.svg)',
        '',
      );
    }
  }
  const d = r.debezium;
  if (d) {
    push(
      '## Debezium, side by side',
      '',
      `Debezium ${d.debezium} MariaDB connector in Kafka Connect ${d.connect} standalone; ${d.settings}.`,
      '',
    );
    if (!d.snapshot) push(`**It did not run here:** ${d.error ?? 'unknown error'}`, '');
    else {
      const k = sat(r, 'kafka');
      const b = sat(r, 'both');
      push(
        table(
          ['', 'rows', 'startup', 'publishing time', 'rows/s', 'peak RSS', 'CPU'],
          [
            [
              'Debezium snapshot → Kafka',
              num(d.snapshot.rows),
              ms(d.snapshot.startupMs),
              ms(d.snapshot.activeMs),
              num(d.snapshot.rowsPerSec),
              `${num(d.snapshot.peakRssMiB)} MiB`,
              `${num(d.snapshot.cpuPercent)}%`,
            ],
            ...(k
              ? [
                  [
                    'epipe, Kafka only (+ deletes)',
                    num(k.rows),
                    ms(k.startupMs),
                    ms(k.activeMs),
                    num(k.rowsPerSec),
                    `${num(k.peakRssMiB)} MiB`,
                    `${num(k.cpuPercent)}%`,
                  ],
                ]
              : []),
            ...(b
              ? [
                  [
                    'epipe, Kafka + Elasticsearch (+ deletes)',
                    num(b.rows),
                    ms(b.startupMs),
                    ms(b.activeMs),
                    num(b.rowsPerSec),
                    `${num(b.peakRssMiB)} MiB`,
                    `${num(b.cpuPercent)}%`,
                  ],
                ]
              : []),
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
        push(
          table(
            [
              'load',
              'achieved ops/s',
              'events/s',
              'Debezium Kafka p50',
              'p95',
              'p99',
              'max',
              'epipe Kafka p50',
              'p99',
            ],
            d.loads.map((l) => {
              const e = r.lag?.loads.find((x) => x.label === l.label);
              return [
                l.label,
                num(l.achievedOpsPerSec),
                num(l.eventsPerSec),
                ms(l.kafka.p50),
                ms(l.kafka.p95),
                ms(l.kafka.p99),
                ms(l.kafka.max),
                ms(e?.kafka.p50),
                ms(e?.kafka.p99),
              ];
            }),
          ),
          '',
        );
      }
    }
  }
  const p = r.profile;
  if (p) {
    push(
      "## Where the daemon's time goes",
      '',
      `\`node --cpu-prof\` on the daemon while it drains a ${num(p.run.rows)}-row backlog into ${p.sinks === 'both' ? 'both sinks' : p.sinks} ` +
        `(${num(p.run.rowsPerSec)} rows/s under the profiler). Main thread only.` +
        (p.profile
          ? ` Busy ${ms(p.profile.busyMs)}, idle ${ms(p.profile.idleMs)}: the daemon waits on its sinks and the database for ${pct((100 * p.profile.idleMs) / (p.profile.busyMs + p.profile.idleMs))} of the run.`
          : ''),
      '',
    );
    if (p.profile) {
      push(
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
  }
  if (r.phases?.length) {
    push(
      '## Run conditions',
      '',
      table(
        ['phase', 'seconds', 'load average before → after', 'services restarted by others meanwhile'],
        r.phases.map((p) => [
          p.phase,
          num(p.seconds),
          `${num(p.loadAverage[0], 1)} → ${num(p.loadAverage[1], 1)}`,
          p.restarted.join(', ') || 'none',
        ]),
      ),
      '',
    );
  }
  const half = halfLoad(r);
  push('## Notes', '', ...(r.notes.length ? r.notes.map((n) => `- ${n}`) : ['- none']), '');
  if (half && !half.label.startsWith('50%'))
    push(`The p99 target is judged at "${half.label}", the load that stood in for 50% of saturation.`, '');
  return `${out.join('\n')}\n`;
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
