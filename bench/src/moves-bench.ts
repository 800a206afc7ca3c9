import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { median, round } from '@epipe/harness';
import { numberFlag, parseArgs } from './args';
import type { BenchContext } from './context';
import { REPO_ROOT } from './daemon';
import { measureOverhead } from './phases/overhead';
import { drainBacklog, type DrainRun } from './phases/saturation';
import { loadAverage } from './proc';
import { log } from './progress';
import { bestEffort, dropDatabase, stackEnv } from './stack';

const USAGE = `usage: node bench/dist/moves-bench.js --before <main.js> [--rows 60000] [--rounds 2]
  What directory moves cost the search sink, for this tree's daemon and another build of it
  (--before: that build's services/epipe/dist/main.js): the Elasticsearch-only drain of the same
  backlog with its directory moves and without them (the RENAME rows of directories deleted
  first), every round in alternating order so drift on a shared machine hits all four alike.
  Prints the rates, their medians and the cost of moves (1 - with/without) per build, and writes
  them to bench/results/raw/moves-<run>.json.`;

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
  const rows = numberFlag(flags, 'rows', 60_000);
  const rounds = numberFlag(flags, 'rounds', 2);
  const outDir = join(REPO_ROOT, 'bench', 'results');
  const rawDir = join(outDir, 'raw');
  mkdirSync(rawDir, { recursive: true });
  const ctx: BenchContext = {
    stack: stackEnv(),
    mode: 'quick',
    run: `mv${Date.now().toString(36).slice(-4)}`,
    outDir,
    rawDir,
    notes: [],
  };
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
        });
        drains.push({ round: r, build, moves, run });
      }
    }
  } finally {
    if (ctx.template) await bestEffort(() => dropDatabase(ctx.stack, ctx.template!));
  }
  const rate = (build: Build, moves: boolean): number[] =>
    drains
      .filter((d) => d.build === build && d.moves === moves && d.run.completed)
      .map((d) => d.run.rowsPerSec);
  console.log(
    '\n| round | build | backlog | rows | directory moves | rows/s | steady rows/s | load average |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const d of drains) {
    console.log(
      `| ${d.round} | ${d.build} | ${d.moves ? 'with moves' : 'without'} | ${d.run.rows} | ${d.run.directoryMoves} | ` +
        `${d.run.completed ? d.run.rowsPerSec : 'NOT COMPLETED'} | ${d.run.steadyRowsPerSec} | ${d.run.loadAverage.join(' → ')} |`,
    );
  }
  const summary = (['before', 'after'] as const).map((build) => {
    const withMoves = median(rate(build, true));
    const without = median(rate(build, false));
    return { build, withMoves, without, costPct: round((1 - withMoves / without) * 100, 1) };
  });
  console.log('\n| build | with moves (median rows/s) | without (median rows/s) | cost of moves |');
  console.log('| --- | --- | --- | --- |');
  for (const s of summary)
    console.log(`| ${s.build} | ${round(s.withMoves, 0)} | ${round(s.without, 0)} | ${s.costPct}% |`);
  const file = join(rawDir, `moves-${ctx.run}.json`);
  writeFileSync(
    file,
    JSON.stringify({ run: ctx.run, rows, rounds, drains, summary, notes: ctx.notes }, null, 2),
  );
  log(`done: ${file}; load average ${loadAverage()}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
