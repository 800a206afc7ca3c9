import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  NameNode,
  type NameNodeOptions,
  type OpContext,
  type OpResult,
  type XattrNamespace,
} from '@epipe/metastore';
import {
  type Mix,
  type WorkloadOptions,
  type WorkloadStats,
  runWorkload,
  setupWorkload,
} from '@epipe/workload';
import type { Pool } from 'mysql2/promise';
import { type StackEnv, writerPool } from './stack';

/** A write the search-lag probe looks for: this inode at this version or newer. */
export interface WriteSample {
  inodeId: number;
  logicalTime: number;
  /** When the operation returned, right after its COMMIT. */
  doneAtMs: number;
}

export interface GeneratorOptions {
  database: string;
  /** Project name prefix; each writer process gets its own project. */
  project: string;
  writers: number;
  /** 0 runs the writers in this process; otherwise this many child processes of `writers` each. */
  processes: number;
  /** Operations per second over all writers and processes; 0 = as fast as possible. */
  ratePerSec: number;
  durationMs?: number;
  operations?: number;
  mix: Mix;
  seed: number;
  /** False: the same operations without fs_log rows (the logging-overhead baseline). */
  logging: boolean;
  /** Report every n-th file mutation as a WriteSample (0 = none). */
  sampleEvery?: number;
}

/** What one process's writers run: the same in this process and in a writer child. */
export function workloadOptions(options: GeneratorOptions): WorkloadOptions {
  return {
    project: options.project,
    writers: options.writers,
    durationMs: options.durationMs,
    operations: options.operations,
    ratePerSec: options.ratePerSec,
    mix: options.mix,
    seed: options.seed,
  };
}

export interface GeneratorResult {
  operations: number;
  refused: number;
  elapsedMs: number;
  opsPerSec: number;
  byKind: WorkloadStats['byKind'];
}

export interface GeneratorHooks {
  onProgress?: (operations: number, elapsedMs: number) => void;
  onSample?: (sample: WriteSample) => void;
}

/** A name node that reports some of its file mutations, so a probe can wait for them in search. */
export class SamplingNameNode extends NameNode {
  private count = 0;

  constructor(
    pool: Pool,
    options: NameNodeOptions,
    private readonly every: number,
    private readonly onSample: (sample: WriteSample) => void,
  ) {
    super(pool, options);
  }

  private note(result: OpResult): OpResult {
    if (this.every > 0 && ++this.count % this.every === 0)
      this.onSample({ inodeId: result.inodeId, logicalTime: result.logicalTime, doneAtMs: Date.now() });
    return result;
  }

  override async create(
    path: string,
    ctx: OpContext,
    options?: { size?: number; permission?: number; parents?: boolean },
  ): Promise<OpResult> {
    return this.note(await super.create(path, ctx, options));
  }

  override async append(path: string, bytes: number, ctx: OpContext): Promise<OpResult> {
    return this.note(await super.append(path, bytes, ctx));
  }

  override async truncate(path: string, size: number, ctx: OpContext): Promise<OpResult> {
    return this.note(await super.truncate(path, size, ctx));
  }

  override async chmod(path: string, permission: number, ctx: OpContext): Promise<OpResult> {
    return this.note(await super.chmod(path, permission, ctx));
  }

  override async setXattr(
    path: string,
    name: string,
    value: string | Uint8Array,
    ctx: OpContext,
    options?: { namespace?: XattrNamespace },
  ): Promise<OpResult> {
    return this.note(await super.setXattr(path, name, value, ctx, options));
  }
}

/** Runs the writers in this process: setup (untimed), then the timed workload. */
export async function runInProcess(
  stack: StackEnv,
  options: GeneratorOptions,
  hooks: GeneratorHooks = {},
  signal?: AbortSignal,
): Promise<GeneratorResult> {
  const pool = writerPool(stack, { database: options.database, connectionLimit: options.writers + 2 });
  try {
    const nn = new SamplingNameNode(pool, { logging: options.logging }, options.sampleEvery ?? 0, (s) =>
      hooks.onSample?.(s),
    );
    const setup = await setupWorkload(nn, options.project, options.writers);
    const stats = await runWorkload(nn, setup, {
      ...workloadOptions(options),
      signal,
      onProgress: (s) => hooks.onProgress?.(s.operations, s.elapsedMs),
    });
    return result(stats.operations, stats.refused, stats.elapsedMs, stats.byKind);
  } finally {
    await pool.end();
  }
}

function result(
  operations: number,
  refused: number,
  elapsedMs: number,
  byKind: WorkloadStats['byKind'],
): GeneratorResult {
  return {
    operations,
    refused,
    elapsedMs,
    opsPerSec: elapsedMs > 0 ? (operations * 1000) / elapsedMs : 0,
    byKind,
  };
}

/** Messages between the parent and a writer process. */
export type ToChild = { type: 'setup' } | { type: 'go' } | { type: 'stop' };
export type FromChild =
  | { type: 'ready' }
  | { type: 'progress'; operations: number }
  | { type: 'sample'; sample: WriteSample }
  | { type: 'done'; stats: WorkloadStats }
  | { type: 'error'; message: string };

export interface ChildOptions extends GeneratorOptions {
  index: number;
}

/**
 * Several writer processes, so the offered load is not capped by one Node.js event loop. Each
 * sets up its own project one after the other (app ids carry a millisecond timestamp), then all
 * start together, so the timed window is the same for every process.
 */
export async function runProcesses(
  stack: StackEnv,
  options: GeneratorOptions,
  hooks: GeneratorHooks = {},
  signal?: AbortSignal,
): Promise<GeneratorResult> {
  const children: ChildProcess[] = [];
  const progress = new Map<number, number>();
  const done = new Map<number, WorkloadStats>();
  const exits: Promise<void>[] = [];
  // Set from child callbacks; an object so the compiler does not narrow it to its initial null.
  const state: { failure: Error | null } = { failure: null };
  const stopAll = (): void => {
    for (const c of children) if (c.connected) c.send({ type: 'stop' } satisfies ToChild);
  };
  signal?.addEventListener('abort', stopAll, { once: true });
  try {
    for (let i = 0; i < options.processes; i++) {
      const childOptions: ChildOptions = {
        ...options,
        index: i,
        project: `${options.project}${i}`,
        seed: options.seed * 31 + i,
        ratePerSec: options.ratePerSec / options.processes,
        operations: options.operations ? Math.ceil(options.operations / options.processes) : undefined,
      };
      const child = fork(join(__dirname, 'writer-child.js'), [JSON.stringify(childOptions)], {
        env: { ...process.env, EPIPE_MYSQL_DATABASE: options.database },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      const ready = new Promise<void>((resolve, reject) => {
        child.on('message', (m: FromChild) => {
          if (m.type === 'ready') resolve();
          else if (m.type === 'progress') progress.set(i, m.operations);
          else if (m.type === 'sample') hooks.onSample?.(m.sample);
          else if (m.type === 'done') done.set(i, m.stats);
          else if (m.type === 'error') {
            state.failure ??= new Error(`writer process ${i}: ${m.message}`);
            reject(state.failure);
          }
        });
      });
      exits.push(
        new Promise<void>((resolve) =>
          child.once('exit', (code) => {
            if (code !== 0 && !done.has(i))
              state.failure ??= new Error(`writer process ${i} exited with ${code}`);
            resolve();
          }),
        ),
      );
      child.send({ type: 'setup' } satisfies ToChild);
      await Promise.race([
        ready,
        exits[i]!.then(() => Promise.reject(state.failure ?? new Error('writer exited'))),
      ]);
    }
    const started = Date.now();
    for (const c of children) c.send({ type: 'go' } satisfies ToChild);
    const ticker = setInterval(() => {
      const ops = [...progress.values()].reduce((s, v) => s + v, 0);
      hooks.onProgress?.(ops, Date.now() - started);
    }, 1_000);
    await Promise.all(exits);
    clearInterval(ticker);
    if (state.failure) throw state.failure;
    const all = [...done.values()];
    const byKind: WorkloadStats['byKind'] = {};
    for (const s of all)
      for (const [k, v] of Object.entries(s.byKind))
        byKind[k as keyof typeof byKind] = (byKind[k as keyof typeof byKind] ?? 0) + (v ?? 0);
    return result(
      all.reduce((s, v) => s + v.operations, 0),
      all.reduce((s, v) => s + v.refused, 0),
      Math.max(...all.map((s) => s.elapsedMs)),
      byKind,
    );
  } finally {
    signal?.removeEventListener('abort', stopAll);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }
}

export function runGenerator(
  stack: StackEnv,
  options: GeneratorOptions,
  hooks: GeneratorHooks = {},
  signal?: AbortSignal,
): Promise<GeneratorResult> {
  return options.processes > 0
    ? runProcesses(stack, options, hooks, signal)
    : runInProcess(stack, options, hooks, signal);
}
