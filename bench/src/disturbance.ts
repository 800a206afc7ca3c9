import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './daemon';
import { disturbedReasons, type PhaseConditions } from './conditions';
import { ForeignCpu, loadAverage, machineFacts } from './proc';
import { settleElasticsearch } from './settle';
import type { StackEnv } from './stack';
import { log } from './progress';

const SERVICES = ['mariadb', 'kafka', 'elasticsearch'] as const;

export interface PhaseRecord {
  phase: string;
  seconds: number;
  /** The 1-minute load average before and after (kept for old results; `conditions` has the peak). */
  loadAverage: [number, number];
  /** Services whose process changed (restarted by someone else) or vanished during the phase. */
  restarted: string[];
  conditions?: PhaseConditions;
  /** Why the phase's numbers are disturbed (load above the cores, a restart, merges); empty if not. */
  disturbed?: string[];
  /** Set when the phase failed for good (after one retry when the stack was disturbed). */
  error?: string;
}

function stackDir(): string {
  return process.env.EPIPE_STACK_DIR ?? join(REPO_ROOT, '.stack');
}

/** Process groups that have at least one live member (the stack's pid files hold group ids). */
function liveGroups(): Set<number> {
  const groups = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      groups.add(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]));
    } catch {
      // gone meanwhile
    }
  }
  return groups;
}

/** Each service's process group id from the stack's pid files; null when it is not running. */
export function servicePids(): Record<string, number | null> {
  const live = liveGroups();
  const out: Record<string, number | null> = {};
  for (const svc of SERVICES) {
    const file = join(stackDir(), 'run', `${svc}.pid`);
    const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : Number.NaN;
    out[svc] = Number.isFinite(pid) && live.has(pid) ? pid : null;
  }
  return out;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Samples the 1-minute load average and the CPU of other processes every second and notes the services' processes, from
 * start() to end(): what a phase, or a part of one (one offered load), ran under.
 */
export class ConditionsWatch {
  private readonly before = servicePids();
  private readonly foreign = new ForeignCpu(
    () => new Set(Object.values(this.before).filter((g): g is number => g !== null)),
  );
  private readonly start = loadAverage();
  private max = this.start;
  private readonly timer = setInterval(() => (this.max = Math.max(this.max, loadAverage())), 1_000);

  constructor(private readonly elastic?: PhaseConditions['elastic']) {
    this.timer.unref();
  }

  end(): PhaseConditions {
    clearInterval(this.timer);
    const after = servicePids();
    const end = loadAverage();
    return {
      load: { start: this.start, max: Math.max(this.max, end), end },
      restarted: SERVICES.filter((s) => this.before[s] !== after[s]),
      foreign: this.foreign.end(),
      ...(this.elastic ? { elastic: this.elastic } : {}),
    };
  }
}

export interface MeasureOptions {
  /**
   * Let Elasticsearch finish merging before the timed part (default): a merge takes CPU and disk
   * from whatever runs next on the 2 cores, not only from Elasticsearch's own work.
   */
  settleElastic?: boolean;
  /** Rethrow when the phase fails for good (its result is needed by what follows). */
  required?: boolean;
}

/**
 * Other engineers share this machine and its stack: a fault suite may stop and start Kafka,
 * Elasticsearch or MariaDB, a test run may stop the stack. Before each phase the stack is brought
 * up if a service is missing (`deploy/stack.sh up` is idempotent), or, with `startStack: false`,
 * waited for; during it the load average is sampled; after it a restart in between is recorded,
 * so the report can mark which numbers were disturbed. A phase that fails while the stack was
 * disturbed is run once more; a phase that fails for good is reported, and the run goes on.
 */
export class Disturbances {
  readonly phases: PhaseRecord[] = [];
  private readonly cores = machineFacts().nproc;

  constructor(
    private readonly notes: string[],
    private readonly stack: StackEnv,
    private readonly options: { startStack: boolean } = { startStack: true },
  ) {}

  /** Why conditions like these disturb a measurement on this machine. */
  reasons(c: PhaseConditions): string[] {
    return disturbedReasons(c, this.cores);
  }

  private async ensureUp(phase: string): Promise<void> {
    const missing = (): string[] => {
      const pids = servicePids();
      return SERVICES.filter((s) => pids[s] === null);
    };
    const gone = missing();
    if (gone.length === 0) return;
    if (!this.options.startStack) {
      // Someone else's fault suite stopped it and will start it again: wait, do not start it here.
      log(`  ${gone.join(', ')} not running: waiting for it to come back`);
      const deadline = Date.now() + 600_000;
      while (missing().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2_000));
      this.notes.push(`before ${phase}: ${gone.join(', ')} had stopped (someone else's run); waited for it`);
      return;
    }
    log(`  ${gone.join(', ')} not running: deploy/stack.sh up`);
    this.notes.push(
      `before ${phase}: ${gone.join(', ')} had stopped (someone else's run); the stack was brought up again`,
    );
    await promisify(execFile)('bash', [join(REPO_ROOT, 'deploy', 'stack.sh'), 'up'], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
  }

  /** Runs a phase; its result, or undefined when it failed for good (unless required). */
  async run<T>(phase: string, body: () => Promise<T>, required = false): Promise<T | undefined> {
    return (await this.measure(phase, body, { required }))?.value;
  }

  /** Runs a phase and returns its result with the reasons it was disturbed (empty when it was not). */
  async measure<T>(
    phase: string,
    body: () => Promise<T>,
    options: MeasureOptions = {},
  ): Promise<{ value: T; disturbed: string[] } | undefined> {
    for (let attempt = 1; ; attempt++) {
      await this.ensureUp(phase);
      const elastic = options.settleElastic === false ? undefined : await settleElasticsearch(this.stack);
      const watch = new ConditionsWatch(elastic);
      const started = Date.now();
      const record = (error?: string): PhaseRecord => {
        const conditions = watch.end();
        const r: PhaseRecord = {
          phase: attempt > 1 ? `${phase} (retry)` : phase,
          seconds: Math.round((Date.now() - started) / 1000),
          loadAverage: [conditions.load.start, conditions.load.end],
          restarted: conditions.restarted,
          conditions,
          disturbed: this.reasons(conditions),
          ...(error ? { error } : {}),
        };
        this.phases.push(r);
        return r;
      };
      try {
        const value = await body();
        const r = record();
        if (r.restarted.length > 0) {
          const text = `${r.phase}: ${r.restarted.join(', ')} restarted or stopped during the phase (someone else's fault suite or test run); its numbers are disturbed, re-run to confirm`;
          this.notes.push(text);
          log(`  DISTURBED: ${text}`);
        } else if (r.disturbed!.length > 0) log(`  (disturbed: ${r.disturbed!.join('; ')})`);
        return { value, disturbed: r.disturbed! };
      } catch (err) {
        const r = record(message(err));
        if (r.restarted.length > 0 && attempt === 1) {
          this.notes.push(
            `${phase} failed while ${r.restarted.join(', ')} went away (${message(err)}); it was run again`,
          );
          log(`  ${phase} failed while ${r.restarted.join(', ')} went away: running it again`);
          continue;
        }
        if (options.required) throw err;
        this.notes.push(`${phase} FAILED: ${message(err)}`);
        log(`  ${phase} FAILED: ${message(err)}`);
        return undefined;
      }
    }
  }
}
