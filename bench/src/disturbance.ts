import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './daemon';
import { loadAverage } from './proc';
import { log } from './progress';

const SERVICES = ['mariadb', 'kafka', 'elasticsearch'] as const;

export interface PhaseRecord {
  phase: string;
  seconds: number;
  loadAverage: [number, number];
  /** Services whose process changed (restarted by someone else) or vanished during the phase. */
  restarted: string[];
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
 * Other engineers share this machine and its stack: a fault suite may stop and start Kafka,
 * Elasticsearch or MariaDB, a test run may stop the stack. Before each phase the stack is brought
 * up if a service is missing (`deploy/stack.sh up` is idempotent); after it, a restart in between
 * is recorded, so the report can say which numbers were disturbed. A phase that fails while the
 * stack was disturbed is run once more; a phase that fails for good is reported, and the run
 * goes on with the next one.
 */
export class Disturbances {
  readonly phases: PhaseRecord[] = [];

  constructor(private readonly notes: string[]) {}

  private async ensureUp(phase: string): Promise<void> {
    const pids = servicePids();
    const missing = SERVICES.filter((s) => pids[s] === null);
    if (missing.length === 0) return;
    log(`  ${missing.join(', ')} not running: deploy/stack.sh up`);
    this.notes.push(
      `before ${phase}: ${missing.join(', ')} had stopped (someone else's run); the stack was brought up again`,
    );
    await promisify(execFile)('bash', [join(REPO_ROOT, 'deploy', 'stack.sh'), 'up'], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
  }

  async run<T>(phase: string, body: () => Promise<T>, required = false): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      await this.ensureUp(phase);
      const before = servicePids();
      const started = Date.now();
      const loadStart = loadAverage();
      const record = (error?: string): PhaseRecord => {
        const after = servicePids();
        const r: PhaseRecord = {
          phase: attempt > 1 ? `${phase} (retry)` : phase,
          seconds: Math.round((Date.now() - started) / 1000),
          loadAverage: [loadStart, loadAverage()],
          restarted: SERVICES.filter((s) => before[s] !== after[s]),
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
        }
        return value;
      } catch (err) {
        const r = record(message(err));
        if (r.restarted.length > 0 && attempt === 1) {
          this.notes.push(
            `${phase} failed while ${r.restarted.join(', ')} went away (${message(err)}); it was run again`,
          );
          log(`  ${phase} failed while ${r.restarted.join(', ')} went away: running it again`);
          continue;
        }
        if (required) throw err;
        this.notes.push(`${phase} FAILED: ${message(err)}`);
        log(`  ${phase} FAILED: ${message(err)}`);
        return undefined;
      }
    }
  }
}
