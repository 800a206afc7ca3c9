import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from './args';
import type { BenchContext, Mode } from './context';
import { REPO_ROOT } from './daemon';
import { FOREIGN_CPU_LIMIT_CORES } from './conditions';
import { Disturbances, servicePids } from './disturbance';
import { measureLag } from './phases/lag';
import { measureLineage } from './phases/lineage';
import { measureOverhead } from './phases/overhead';
import { profileDaemon } from './phases/profile';
import { measureRounds } from './phases/rounds';
import { DebeziumSession } from './phases/debezium';
import { drainBacklog } from './phases/saturation';
import { type Plan, PLANS, planLoads } from './plan';
import { ForeignCpu, loadAverage, machineFacts } from './proc';
import { log } from './progress';
import { bothSinksRate } from './report/facts';
import { summaryTable, updateReadme, writeReport } from './report/markdown';
import { type BenchResults, downsample, normalizeResults, toJson } from './results';
import { bestEffort, dropDatabase, stackEnv } from './stack';
import { collectVersions } from './versions';

/** What a phase gets: the run's context, sizes, results so far, the disturbance guard. */
interface RunState {
  ctx: BenchContext;
  plan: Plan;
  results: BenchResults;
  guard: Disturbances;
  only: Set<string>;
  debezium: DebeziumSession | null;
}

/**
 * The phases, in order. A phase runs when `--only` names it (or no `--only` was given); adding
 * one is adding an entry here (and its sizes to the plan). The logging-overhead phase always
 * runs: it writes the workload template every backlog is copied from.
 */
const PHASES: { name: string; title: string; run(s: RunState): Promise<void> }[] = [
  {
    name: 'overhead',
    title: 'logging overhead (also writes the workload template every backlog is copied from)',
    async run(s) {
      s.results.overhead = await s.guard.run('overhead', () => measureOverhead(s.ctx, s.plan.overhead), true);
      if (!s.results.overhead) throw new Error('the logging-overhead phase wrote no template');
    },
  },
  {
    // One name per member, so `--only ceilings` still works; they run interleaved, as one phase.
    name: 'ceilings,saturation,debezium',
    title: "raw ceilings, end-to-end drains and Debezium's snapshot, interleaved rounds",
    async run(s) {
      s.results.repeats = s.plan.repeats;
      if (s.only.has('debezium')) s.debezium = new DebeziumSession(s.ctx, s.plan.debezium.rows);
      await measureRounds(s.ctx, s.plan, s.guard, s.results, {
        ceilings: s.only.has('ceilings'),
        drains: s.only.has('saturation'),
        debezium: s.debezium,
        debeziumLag: s.only.has('debezium'),
      });
    },
  },
  {
    name: 'debezium',
    title: "Debezium's lag at the offered loads (the last snapshot's Connect, now streaming)",
    async run(s) {
      const session = s.debezium;
      if (!session?.result.ran) return;
      const d = s.plan.debezium;
      const loads = await s.guard.run('Debezium lag', () =>
        session.lagLoads({
          loads: d.loads.map((rate) => ({ label: `${rate}/s`, rate })),
          seconds: d.seconds,
          warmupSeconds: s.plan.lag.warmupSeconds,
          processes: s.plan.lag.processes,
          writersPerProcess: s.plan.lag.writersPerProcess,
          tunedPollLoad: d.tunedPoll ? { label: '200/s, poll.interval.ms=50', rate: 200 } : undefined,
        }),
      );
      session.result.loads = loads ?? [];
      await session.close();
    },
  },
  {
    name: 'catchup',
    title: 'catch-up of a big backlog (both sinks)',
    async run(s) {
      const rows = s.plan.catchupRows;
      if (!rows) return;
      const m = await s.guard.measure('catch-up', () =>
        drainBacklog(s.ctx, 'both', rows, { label: 'catchup', timeoutMs: 3_600_000 }),
      );
      if (m)
        s.results.catchup = {
          ...m.value,
          disturbed: m.disturbed,
          series: downsample(m.value.series),
          rss: downsample(m.value.rss ?? []),
        };
    },
  },
  {
    name: 'lag',
    title: 'lag at fixed offered loads, then SIGKILL and restart',
    async run(s) {
      const o = s.results.overhead!;
      const loads = planLoads(
        s.plan,
        bothSinksRate(s.results) ?? 2_000,
        o.logRowsPerOp,
        o.withLogOpsPerSec,
        s.ctx.notes,
      );
      log(`  loads: ${loads.map((l) => l.label).join(', ')}`);
      const l = s.plan.lag;
      s.results.lag = await s.guard.run('lag and restart', () =>
        measureLag(s.ctx, {
          loads,
          seconds: l.seconds,
          warmupSeconds: l.warmupSeconds,
          processes: l.processes,
          writersPerProcess: l.writersPerProcess,
          restart: l.restart,
          kafkaOnlyLoad: { label: '200/s, Kafka only', rate: 200 },
          guard: s.guard,
        }),
      );
    },
  },
  {
    name: 'profile',
    title: 'CPU profile of the daemon draining a backlog into both sinks',
    async run(s) {
      s.results.profile = await s.guard.run('profile', () =>
        profileDaemon(s.ctx, 'both', s.plan.profileRows),
      );
    },
  },
  {
    name: 'lineage',
    title: 'lineage queries, coalescing reduction, throughput with provenance on and off',
    async run(s) {
      s.results.lineage = await s.guard.run('lineage', () => measureLineage(s.ctx, s.plan.lineage));
    },
  },
];

const PHASE_NAMES = PHASES.flatMap((p) => p.name.split(',')).filter((n) => n !== 'overhead');

const USAGE = `usage: node bench/dist/main.js [--full] [--only ${PHASE_NAMES.join(',')}] [--no-readme] [--no-stack-up]
  Runs every phase in one go (the logging-overhead phase always runs: it writes the workload
  template the backlogs are copied from) and writes bench/results/{results.json,report.md,*.svg}.
  --full         big sizes (make bench-full): 1,000,000-row catch-up, 60 s per load
  --only         a subset of the phases, comma-separated
  --no-readme    do not update the summary table in bench/README.md
  --no-stack-up  when a service is down (someone else's fault suite), wait for it instead of starting it
  --report-only  re-render report.md, the plots and the README summary from results.json`;

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  if (flags.has('help')) {
    console.log(USAGE);
    return;
  }
  const outDir = join(REPO_ROOT, 'bench', 'results');
  if (flags.has('report-only')) {
    const raw = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as BenchResults;
    const results = normalizeResults(raw);
    writeReport(results, outDir);
    updateReadme(join(REPO_ROOT, 'bench', 'README.md'), summaryTable(results));
    return;
  }
  const mode: Mode = flags.has('full') ? 'full' : 'quick';
  const only = new Set((flags.get('only') ?? PHASE_NAMES.join(',')).split(','));
  const unknown = [...only].filter((n) => !PHASE_NAMES.includes(n));
  if (unknown.length)
    throw new Error(`--only: unknown phase ${unknown.join(', ')} (phases: ${PHASE_NAMES.join(', ')})`);
  const rawDir = join(outDir, 'raw');
  mkdirSync(rawDir, { recursive: true });
  const started = Date.now();
  const ctx: BenchContext = {
    stack: stackEnv(),
    mode,
    run: started.toString(36).slice(-6),
    outDir,
    rawDir,
    notes: [],
  };
  const results: BenchResults = {
    mode,
    run: ctx.run,
    startedAt: new Date(started).toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    durationS: 0,
    machine: machineFacts(),
    versions: await collectVersions(ctx.stack),
    loadAverage: { start: loadAverage(), end: 0 },
    notes: ctx.notes,
  };
  const guard = new Disturbances(ctx.notes, ctx.stack, { startStack: !flags.has('no-stack-up') });
  results.phases = guard.phases;
  const state: RunState = { ctx, plan: PLANS[mode], results, guard, only, debezium: null };
  log(`epipe benchmark (${mode}), run ${ctx.run}; raw logs in ${rawDir}`);
  // The load average at the start still holds the stack's start and the build: judge the
  // machine by what other processes take over a few seconds instead.
  const groups = new Set(Object.values(servicePids()).filter((g): g is number => g !== null));
  const atStart = new ForeignCpu(() => groups);
  await new Promise((r) => setTimeout(r, 3_000));
  const foreign = atStart.end();
  if (foreign.meanCores > FOREIGN_CPU_LIMIT_CORES)
    ctx.notes.push(
      `other processes took ${foreign.meanCores.toFixed(2)} cores at the start (load average ${results.loadAverage.start}): other work shared the machine`,
    );
  const chosen = PHASES.filter((p) => p.name === 'overhead' || p.name.split(',').some((n) => only.has(n)));
  try {
    for (const [i, phase] of chosen.entries()) {
      log(`${i + 1}/${chosen.length} ${phase.title}`);
      await phase.run(state);
      // Kept after every phase: a run that dies late still leaves what it measured.
      writeFileSync(join(outDir, 'results.json'), toJson(results));
    }
  } finally {
    await state.debezium?.close();
    const template = ctx.template;
    if (template) await bestEffort(() => dropDatabase(ctx.stack, template));
  }
  results.loadAverage.end = loadAverage();
  results.durationS = Math.round((Date.now() - started) / 1000);
  writeFileSync(join(outDir, 'results.json'), toJson(results));
  writeReport(results, outDir);
  const summary = summaryTable(results);
  if (!flags.has('no-readme')) updateReadme(join(REPO_ROOT, 'bench', 'README.md'), summary);
  console.log(`\n${summary}\n`);
  log(`done in ${results.durationS} s: bench/results/report.md, results.json, *.svg`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
