import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { round } from '@epipe/harness';
import { numberFlag, parseArgs } from './args';
import { toolContext } from './context';
import { measureOverhead } from './phases/overhead';
import { drainBacklog, type DrainRun, type Sinks } from './phases/saturation';
import { loadAverage } from './proc';
import { summarizeProfile } from './profile';
import { log } from './progress';
import { spread, type Spread } from './repeats';
import { table } from './report/facts';
import { bestEffort, dropDatabase } from './stack';

const USAGE = `usage: node bench/dist/cpu-bench.js [--before <main.js>] [--rows 50000] [--rounds 2]
                                   [--sinks kafka,elastic,both] [--profile] [--node-options='...']
                                   [--daemon-env=EPIPE_X=1,EPIPE_Y=2]
  The daemon's CPU-seconds per 1,000 rows and its peak resident set, per sink mode, for this
  tree's daemon and (with --before) another build of it (that build's
  services/epipe/dist/main.js): each round drains the same-sized backlog once per build and sink
  mode, the builds' order alternating between rounds (A,B then B,A) so drift on a shared machine
  hits both alike. CPU is utime + stime of the daemon from /readyz to an empty log, which load on
  the machine moves less than it moves rates. With --profile, every drain of this tree's daemon
  runs under node --cpu-prof and its self time by component and top functions are printed.
  --node-options sets NODE_OPTIONS for every daemon (e.g. a heap limit, to see what it costs);
  --daemon-env more settings for every daemon (e.g. another in-flight budget).
  Writes everything to bench/results/raw/cpu-<run>.json.`;

type Build = 'before' | 'after';
interface Drain {
  round: number;
  build: Build;
  sinks: Sinks;
  run: DrainRun;
  cpuPer1000: number;
}

const SINKS: readonly Sinks[] = ['kafka', 'elastic', 'both'];

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  if (flags.has('help')) {
    console.log(USAGE);
    return;
  }
  const before = flags.get('before');
  const mains: Partial<Record<Build, string>> = {};
  if (before !== undefined) {
    mains.before = resolve(before);
    if (!existsSync(mains.before))
      throw new Error(`--before: ${mains.before} does not exist (build it first)`);
  }
  const builds: Build[] = before === undefined ? ['after'] : ['after', 'before'];
  const rows = numberFlag(flags, 'rows', 50_000);
  const nodeOptions = flags.get('node-options');
  const extraEnv = Object.fromEntries(
    (flags.get('daemon-env') ?? '')
      .split(',')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const rounds = numberFlag(flags, 'rounds', 2);
  const sinks = (flags.get('sinks') ?? SINKS.join(',')).split(',') as Sinks[];
  const unknown = sinks.filter((s) => !SINKS.includes(s));
  if (unknown.length) throw new Error(`--sinks: unknown ${unknown.join(', ')} (one of ${SINKS.join(', ')})`);
  const ctx = toolContext('cp');
  const rawDir = ctx.rawDir;
  log(`CPU per 1,000 rows and peak RSS, run ${ctx.run}; load average ${loadAverage()}`);
  const drains: Drain[] = [];
  try {
    log('workload template (the logging-overhead phase, short)');
    await measureOverhead(ctx, { rounds: 2, seconds: 5, writers: 8 });
    for (let r = 1; r <= rounds; r++) {
      for (const sink of sinks) {
        for (const build of r % 2 === 1 ? builds : [...builds].reverse()) {
          const label = `cpu_${build}_${sink}_${r}`;
          const profileDir =
            flags.has('profile') && build === 'after' ? join(rawDir, `profile-${label}`) : undefined;
          if (profileDir) {
            rmSync(profileDir, { recursive: true, force: true });
            mkdirSync(profileDir, { recursive: true });
          }
          const memory = new MemoryPeak();
          const run = await drainBacklog(ctx, sink, rows, {
            label,
            daemonMain: mains[build],
            onMetrics: (m) => memory.add(m),
            daemonEnv: { ...extraEnv, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
            ...(profileDir ? { cpuProfileDir: profileDir } : {}),
          });
          log(`  ${label}: at the largest resident set seen: ${memory.describe()}`);
          const cpuPer1000 = round(((run.activeCpuSeconds ?? Number.NaN) * 1000) / run.rows, 4);
          drains.push({ round: r, build, sinks: sink, run, cpuPer1000 });
          if (profileDir) printProfile(profileDir);
        }
      }
    }
  } finally {
    if (ctx.template) await bestEffort(() => dropDatabase(ctx.stack, ctx.template!));
  }
  const cells = (d: Drain): string[] => [
    String(d.round),
    d.build,
    d.sinks,
    String(d.run.rows),
    String(d.cpuPer1000),
    String(d.run.activeCpuSeconds),
    String(d.run.peakRssMiB),
    d.run.completed ? String(d.run.rowsPerSec) : 'NOT COMPLETED',
    d.run.loadAverage.join(' → '),
  ];
  const header = ['round', 'build', 'sinks', 'rows', 'CPU s / 1,000 rows', 'active CPU s', 'peak RSS MiB'];
  console.log(`\n${table([...header, 'rows/s', 'load average'], drains.map(cells))}`);
  const summary = sinks.flatMap((sink) =>
    builds.map((build) => {
      const of = drains.filter((d) => d.sinks === sink && d.build === build && d.run.completed);
      return {
        sinks: sink,
        build,
        cpuPer1000: spread(of.map((d) => d.cpuPer1000)),
        peakRssMiB: spread(of.map((d) => d.run.peakRssMiB)),
        rowsPerSec: spread(of.map((d) => d.run.rowsPerSec)),
      };
    }),
  );
  const summaryRows = summary.map((s) => [
    s.sinks,
    s.build,
    show(s.cpuPer1000, 4),
    show(s.peakRssMiB),
    show(s.rowsPerSec),
  ]);
  const summaryHeader = ['sinks', 'build', 'CPU s / 1,000 rows (median, range)', 'peak RSS MiB', 'rows/s'];
  console.log(`\n${table(summaryHeader, summaryRows)}`);
  const file = join(rawDir, `cpu-${ctx.run}.json`);
  writeFileSync(
    file,
    JSON.stringify({ run: ctx.run, rows, rounds, drains, summary, notes: ctx.notes }, null, 2),
  );
  log(`done: ${file}; load average ${loadAverage()}`);
}

function printProfile(dir: string): void {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    log(`  no .cpuprofile in ${dir}`);
    return;
  }
  const p = summarizeProfile(join(dir, file), 30);
  log(`  profile: busy ${p.busyMs} ms, idle ${p.idleMs} ms`);
  for (const c of p.byComponent) log(`    ${c.pct}%\t${c.selfMs} ms\t${c.name}`);
  for (const f of p.topFunctions) log(`    ${f.pct}%\t${f.selfMs} ms\t${f.name}\t${f.where}`);
}

/** The daemon's own memory figures (prom-client's defaults, /metrics) at its largest resident set. */
class MemoryPeak {
  private peak: Map<string, number> | null = null;

  add(metrics: Map<string, number>): void {
    const rss = metrics.get('epipe_process_resident_memory_bytes') ?? 0;
    if (!this.peak || rss > (this.peak.get('epipe_process_resident_memory_bytes') ?? 0)) this.peak = metrics;
  }

  describe(): string {
    const m = this.peak;
    if (!m) return 'no metrics';
    const mib = (name: string): number => round((m.get(name) ?? 0) / 1024 / 1024, 0);
    return (
      `RSS ${mib('epipe_process_resident_memory_bytes')} MiB, heap used ${mib('epipe_nodejs_heap_size_used_bytes')} ` +
      `of ${mib('epipe_nodejs_heap_size_total_bytes')} MiB, external ${mib('epipe_nodejs_external_memory_bytes')} MiB, ` +
      `old space used ${mib('epipe_nodejs_heap_space_size_used_bytes{space="old"}')} MiB, ` +
      `in-flight budget ${mib('epipe_inflight_bytes')} MiB in ${m.get('epipe_inflight_batches') ?? '?'} batches`
    );
  }
}

function show(s: Spread, digits = 0): string {
  return `${round(s.median, digits)} (${round(s.min, digits)}–${round(s.max, digits)})`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
