import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from './args';
import type { BenchContext, Mode } from './context';
import { REPO_ROOT } from './daemon';
import { Disturbances } from './disturbance';
import { measureCeilings } from './phases/ceilings';
import { measureDebezium } from './phases/debezium';
import { measureLag } from './phases/lag';
import { measureLineage } from './phases/lineage';
import { measureOverhead } from './phases/overhead';
import { profileDaemon } from './phases/profile';
import { drainBacklog } from './phases/saturation';
import { PLANS, planLoads } from './plan';
import { loadAverage, machineFacts } from './proc';
import { log } from './progress';
import { summaryTable, updateReadme, writeReport } from './report/markdown';
import { type BenchResults, downsample, toJson } from './results';
import { bestEffort, dropDatabase, stackEnv } from './stack';
import { collectVersions } from './versions';

const PHASES = ['ceilings', 'saturation', 'lag', 'catchup', 'debezium', 'profile', 'lineage'] as const;

const USAGE = `usage: node bench/dist/main.js [--full] [--only ${PHASES.join(',')}] [--no-readme]
  Runs every phase in one go (the logging-overhead phase always runs: it writes the workload
  template the backlogs are copied from) and writes bench/results/{results.json,report.md,*.svg}.
  --full     big sizes (make bench-full): 1,000,000-row catch-up, 60 s per load
  --only     a subset of the phases, comma-separated
  --no-readme    do not update the summary table in bench/README.md
  --report-only  re-render report.md, the plots and the README summary from results.json`;

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  if (flags.has('help')) {
    console.log(USAGE);
    return;
  }
  if (flags.has('report-only')) {
    // Re-renders report.md, the plots and the README summary from the last results.json.
    const outDir = join(REPO_ROOT, 'bench', 'results');
    const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as BenchResults;
    writeReport(results, outDir);
    updateReadme(join(REPO_ROOT, 'bench', 'README.md'), summaryTable(results));
    return;
  }
  const mode: Mode = flags.has('full') ? 'full' : 'quick';
  const plan = PLANS[mode];
  const only = new Set((flags.get('only') ?? PHASES.join(',')).split(','));
  const outDir = join(REPO_ROOT, 'bench', 'results');
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
  const guard = new Disturbances(ctx.notes);
  results.phases = guard.phases;
  log(`epipe benchmark (${mode}), run ${ctx.run}; raw logs in ${rawDir}`);
  if (results.loadAverage.start > 1.5)
    ctx.notes.push(
      `load average ${results.loadAverage.start} at the start: other work shared the 2 cores; absolute numbers are noisy, ratios less so`,
    );
  try {
    log('1/7 logging overhead (also writes the workload template every backlog is copied from)');
    results.overhead = await guard.run('overhead', () => measureOverhead(ctx, plan.overhead), true);
    if (!results.overhead) throw new Error('the logging-overhead phase wrote no template');
    if (only.has('ceilings')) {
      log('2/7 raw ceilings');
      results.ceilings = await guard.run('ceilings', () => measureCeilings(ctx, plan.ceilings));
    }
    if (only.has('saturation')) {
      log('3/7 end-to-end throughput at saturation (Kafka only, Elasticsearch only, both)');
      results.saturation = [];
      for (const sinks of ['kafka', 'elastic', 'both'] as const) {
        const run = await guard.run(`saturation ${sinks}`, () =>
          drainBacklog(ctx, sinks, plan.saturationRows),
        );
        if (run) results.saturation.push({ ...run, series: downsample(run.series) });
      }
      // Diagnostic: the search sink without its directory-move barriers.
      const plain = await guard.run('saturation elastic, no directory moves', () =>
        drainBacklog(ctx, 'elastic', plan.saturationRows, {
          label: 'sat_es_nomoves',
          withoutDirectoryMoves: true,
        }),
      );
      if (plain) results.saturation.push({ ...plain, series: downsample(plain.series) });
      results.catchup = results.saturation.find((s) => s.sinks === 'both');
    }
    if (only.has('catchup') && plan.catchupRows) {
      log(`4/7 catch-up of a ${plan.catchupRows}-row backlog`);
      const rows = plan.catchupRows;
      const run = await guard.run('catch-up', () =>
        drainBacklog(ctx, 'both', rows, { label: 'catchup', timeoutMs: 3_600_000 }),
      );
      if (run) results.catchup = { ...run, series: downsample(run.series) };
    }
    const both = results.saturation?.find((s) => s.sinks === 'both');
    const loads = planLoads(
      plan,
      both ? both.rowsPerSec : 2_000,
      results.overhead.logRowsPerOp,
      results.overhead.withLogOpsPerSec,
      ctx.notes,
    );
    if (only.has('lag')) {
      log(
        `5/7 lag at fixed offered loads (${loads.map((l) => l.label).join(', ')}), then SIGKILL and restart`,
      );
      results.lag = await guard.run('lag and restart', () =>
        measureLag(ctx, {
          loads,
          seconds: plan.lag.seconds,
          warmupSeconds: plan.lag.warmupSeconds,
          processes: plan.lag.processes,
          writersPerProcess: plan.lag.writersPerProcess,
          restart: plan.lag.restart,
          kafkaOnlyLoad: { label: '200/s, Kafka only', rate: 200 },
        }),
      );
    }
    if (only.has('debezium')) {
      log('6/7 Debezium on the same server, Kafka, backlog and workload');
      results.debezium = await guard.run('debezium', () =>
        measureDebezium(ctx, {
          rows: plan.debezium.rows,
          loads: plan.debezium.loads.map((rate) => ({ label: `${rate}/s`, rate })),
          seconds: plan.debezium.seconds,
          warmupSeconds: plan.lag.warmupSeconds,
          processes: plan.lag.processes,
          writersPerProcess: plan.lag.writersPerProcess,
          tunedPollLoad: plan.debezium.tunedPoll
            ? { label: '200/s, poll.interval.ms=50', rate: 200 }
            : undefined,
        }),
      );
    }
    if (only.has('profile')) {
      log('7/7 CPU profile of the daemon draining a backlog into both sinks');
      results.profile = await guard.run('profile', () => profileDaemon(ctx, 'both', plan.profileRows));
    }
    if (only.has('lineage')) {
      log('lineage queries, coalescing reduction, throughput with provenance on and off');
      results.lineage = await guard.run('lineage', () => measureLineage(ctx, plan.lineage));
    }
  } finally {
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
