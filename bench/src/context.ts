import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './daemon';
import { type StackEnv, stackEnv } from './stack';

export type Mode = 'quick' | 'full';

/** What every phase shares: where the stack is, names unique to this run, and where to write. */
export interface BenchContext {
  stack: StackEnv;
  mode: Mode;
  /** Short id unique to this run; every database, topic, index and account carries it. */
  run: string;
  /** bench/results */
  outDir: string;
  /** bench/results/raw: daemon logs, profiles (not committed). */
  rawDir: string;
  /** The database the workload wrote with logging on: the template of every backlog. */
  template?: string;
  /** Things a reader of the report must know (disturbances, caps, failures). */
  notes: string[];
}

export function dbName(ctx: BenchContext, what: string): string {
  return `bench_${ctx.run}_${what}`;
}

export function topicName(ctx: BenchContext, what: string): string {
  return `bench-${ctx.run}-${what}`;
}

/** The context of a stand-alone tool (moves-bench, cpu-bench): its run id starts with `prefix`. */
export function toolContext(prefix: string): BenchContext {
  const outDir = join(REPO_ROOT, 'bench', 'results');
  const rawDir = join(outDir, 'raw');
  mkdirSync(rawDir, { recursive: true });
  return {
    stack: stackEnv(),
    mode: 'quick',
    run: `${prefix}${Date.now().toString(36).slice(-4)}`,
    outDir,
    rawDir,
    notes: [],
  };
}
