import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { round } from '@epipe/harness';
import { numberFlag, parseArgs } from './args';
import { toolContext } from './context';
import { measureOverhead } from './phases/overhead';
import { drainBacklog, type DrainRun } from './phases/saturation';
import { loadAverage } from './proc';
import { log } from './progress';
import { bestEffort, dropDatabase } from './stack';

const USAGE = `usage: node bench/dist/moves-bench.js --before <main.js> [--rows 200000] [--rounds 3] [--provenance]
  What directory moves cost the search sink, for this tree's daemon and another build of it
  (--before: that build's services/epipe/dist/main.js): the Elasticsearch-only drain of the same
  backlog with its directory moves and without them (the RENAME rows of directories deleted
  first), every round in alternating order so drift on a shared machine hits all four alike.
  Provenance is off unless --provenance: its window (10 s) holds every row's deletion, which
  would hide the sink's own rate in a drain of seconds. Prints per drain the rate, the steady rate
  (10% to 90% of the rows) and the seconds spent inside search-sink calls; per build their
  medians and the cost of moves (1 - with/without); writes them to bench/results/raw/moves-<run>.json.`;

type Build = 'before' | 'after';
interface Drain {
  round: number;
  build: Build;
  moves: boolean;
  run: DrainRun;
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const before = flags.get('before');
  if (flags.has('help') || before === undefined) {
    console.log(USAGE);
    if (before === undefined && !flags.has('help')) process.exitCode = 2;
    return;
  }
  const mains: Record<Build, string | undefined> = { before: resolve(before), after: undefined };
  if (!existsSync(mains.before!))
    throw new Error(`--before: ${mains.before} does not exist (build it first)`);
  const rows = numberFlag(flags, 'rows', 200_000);
  const rounds = numberFlag(flags, 'rounds', 3);
  const daemonEnv: Record<string, string> = flags.has('provenance')
    ? {}
    : { EPIPE_PROVENANCE_ENABLED: 'false' };
  const ctx = toolContext('mv');
  const rawDir = ctx.rawDir;
  log(`directory moves, before vs after, run ${ctx.run}; load average ${loadAverage()}`);
  const drains: Drain[] = [];
  try {
    log('workload template (the logging-overhead phase, short)');
    await measureOverhead(ctx, { rounds: 2, seconds: 5, writers: 8 });
    const order: [Build, boolean][] = [
      ['after', true],
      ['before', true],
      ['after', false],
      ['before', false],
    ];
    for (let r = 1; r <= rounds; r++) {
      for (const [build, moves] of r % 2 === 1 ? order : [...order].reverse()) {
        const label = `mv_${build}_${moves ? 'moves' : 'nomoves'}_${r}`;
        const run = await drainBacklog(ctx, 'elastic', rows, {
          label,
          withoutDirectoryMoves: !moves,
          daemonMain: mains[build],
          daemonEnv,
        });
        drains.push({ round: r, build, moves, run });
      }
    }
  } finally {
    if (ctx.template) await bestEffort(() => dropDatabase(ctx.stack, ctx.template!));
  }
  const of = (build: Build, moves: boolean): DrainRun[] =>
    drains.filter((d) => d.build === build && d.moves === moves && d.run.completed).map((d) => d.run);
  const sinkSeconds = (run: DrainRun): number => run.sinkSeconds.elasticsearch?.seconds ?? Number.NaN;
  console.log(
    '\n| round | build | backlog | rows | directory moves | rows/s | steady rows/s | search-sink seconds (calls) | load average |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const d of drains) {
    const r = d.run;
    console.log(
      `| ${d.round} | ${d.build} | ${d.moves ? 'with moves' : 'without'} | ${r.rows} | ${r.directoryMoves} | ` +
        `${r.completed ? r.rowsPerSec : 'NOT COMPLETED'} | ${r.steadyRowsPerSec} | ` +
        `${sinkSeconds(r)} (${r.sinkSeconds.elasticsearch?.calls ?? 0}) | ${r.loadAverage.join(' → ')} |`,
    );
  }
  const summary = (['before', 'after'] as const).map((build) => {
    const stat = (moves: boolean, value: (run: DrainRun) => number): Spread =>
      spread(of(build, moves).map(value));
    const rate = { with: stat(true, (r) => r.rowsPerSec), without: stat(false, (r) => r.rowsPerSec) };
    const steady = {
      with: stat(true, (r) => r.steadyRowsPerSec),
      without: stat(false, (r) => r.steadyRowsPerSec),
    };
    const busy = { with: stat(true, sinkSeconds), without: stat(false, sinkSeconds) };
    return {
      build,
      rate,
      steady,
      busy,
      costPct: round((1 - rate.with.median / rate.without.median) * 100, 1),
      steadyCostPct: round((1 - steady.with.median / steady.without.median) * 100, 1),
      busyCostPct: round((busy.with.median / busy.without.median - 1) * 100, 1),
    };
  });
  console.log(
    '\n| build | rows/s with / without moves (median, range) | cost | steady rows/s with / without | cost | search-sink seconds with / without | more |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const s of summary)
    console.log(
      `| ${s.build} | ${show(s.rate.with)} / ${show(s.rate.without)} | ${s.costPct}% | ` +
        `${show(s.steady.with)} / ${show(s.steady.without)} | ${s.steadyCostPct}% | ` +
        `${show(s.busy.with, 1)} / ${show(s.busy.without, 1)} | +${s.busyCostPct}% |`,
    );
  const file = join(rawDir, `moves-${ctx.run}.json`);
  writeFileSync(
    file,
    JSON.stringify({ run: ctx.run, rows, rounds, drains, summary, notes: ctx.notes }, null, 2),
  );
  log(`done: ${file}; load average ${loadAverage()}`);
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(values: number[]): Spread {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN };
}

function show(s: Spread, digits = 0): string {
  return `${round(s.median, digits)} (${round(s.min, digits)}–${round(s.max, digits)})`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
