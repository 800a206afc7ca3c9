import { errorMessage, sleep } from '@epipe/core';
import type { NameNode, OpContext } from '@epipe/metastore';
import { type Mix, type OpKind, HOPSFS_MIX, picker, prng } from './mix';

export interface WorkloadOptions {
  project: string;
  writers: number;
  /** Stop after this long... */
  durationMs?: number;
  /** ...or after this many operations in all, whichever comes first. */
  operations?: number;
  /** Operations per second over all writers; 0 means as fast as possible. */
  ratePerSec: number;
  mix: Mix;
  seed: number;
  signal?: AbortSignal;
  onProgress?: (stats: WorkloadStats) => void;
}

export interface WorkloadStats {
  operations: number;
  byKind: Partial<Record<OpKind, number>>;
  /** Operations refused by the name node (e.g. a race with a delete); they change nothing. */
  refused: number;
  elapsedMs: number;
}

export interface WorkloadSetup {
  project: string;
  datasets: string[];
  apps: string[];
  users: string[];
}

const DATASETS = (p: string): string[] => [
  `${p}_Training_Datasets`,
  `${p}_featurestore.db`,
  'Models',
  'Experiments',
  'Resources',
  'Logs',
];

/**
 * Creates a project with the usual Hopsworks datasets, jobs, a pipeline run and one registered
 * application per writer, so events carry a full execution context.
 */
export async function setupWorkload(nn: NameNode, project: string, writers: number): Promise<WorkloadSetup> {
  const users = ['alice', 'bob', 'carol'];
  for (const u of users) await nn.createUser(u);
  await nn.createProject(project, users[0]!);
  const datasets = DATASETS(project);
  for (const d of datasets) await nn.createDataset(project, d, { user: users[0]! });
  const fe = await nn.createJob(project, 'feature_engineering');
  const training = await nn.createJob(project, 'training');
  const pipeline = await nn.createPipeline(project, 'daily_refresh');
  const run = await nn.startPipelineRun(pipeline, `run_${Date.now()}`);
  const apps: string[] = [];
  const base = Date.now();
  for (let i = 0; i < writers; i++) {
    const user = users[i % users.length]!;
    const exec = await nn.startJobExecution(i % 2 === 0 ? fe : training, {
      user,
      pipelineRunId: i % 3 === 0 ? run : null,
    });
    const appId = `application_${base}_${String(i + 1).padStart(4, '0')}`;
    await nn.registerApp(appId, exec, user);
    apps.push(appId);
  }
  return { project, datasets, apps, users };
}

/** Runs `writers` concurrent writers over their own subtrees of the project. */
export async function runWorkload(
  nn: NameNode,
  setup: WorkloadSetup,
  options: WorkloadOptions,
): Promise<WorkloadStats> {
  const stats: WorkloadStats = { operations: 0, byKind: {}, refused: 0, elapsedMs: 0 };
  const started = Date.now();
  const deadline = options.durationMs ? started + options.durationMs : Number.POSITIVE_INFINITY;
  const limit = options.operations ?? Number.POSITIVE_INFINITY;
  const progress = options.onProgress
    ? setInterval(() => options.onProgress!({ ...stats, elapsedMs: Date.now() - started }), 1_000)
    : undefined;
  const interval = options.ratePerSec > 0 ? (1000 * options.writers) / options.ratePerSec : 0;
  try {
    await Promise.all(
      Array.from({ length: options.writers }, async (_, w) => {
        const writer = new Writer(nn, setup, w, options.seed * 7919 + w, options.mix ?? HOPSFS_MIX);
        await writer.init();
        let next = Date.now();
        while (Date.now() < deadline && stats.operations < limit && !options.signal?.aborted) {
          if (interval > 0) {
            next += interval;
            const wait = next - Date.now();
            if (wait > 0) await sleep(wait);
          }
          stats.operations++;
          const kind = await writer.step().catch((err: unknown) => {
            if (
              !/INVALID_OPERATION|not found|exists|no such/i.test(
                `${(err as { code?: string }).code} ${errorMessage(err)}`,
              )
            ) {
              throw err;
            }
            stats.refused++;
            return null;
          });
          if (kind) stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
        }
      }),
    );
  } finally {
    if (progress) clearInterval(progress);
  }
  stats.elapsedMs = Date.now() - started;
  return stats;
}

/** One writer: remembers the directories and files it made, and works only inside them. */
class Writer {
  private readonly random: () => number;
  private readonly next: () => OpKind;
  private readonly ctx: OpContext;
  private readonly base: string;
  private dirs: string[] = [];
  private files: string[] = [];
  private readonly xattrs = new Map<string, Set<string>>();
  private counter = 0;

  constructor(
    private readonly nn: NameNode,
    setup: WorkloadSetup,
    index: number,
    seed: number,
    mix: Mix,
  ) {
    this.random = prng(seed);
    this.next = picker(mix, this.random);
    this.ctx = { user: setup.users[index % setup.users.length]!, appId: setup.apps[index] ?? null };
    this.base = `/Projects/${setup.project}/${setup.datasets[index % setup.datasets.length]}/w${index}`;
  }

  async init(): Promise<void> {
    await this.nn.mkdir(this.base, this.ctx, { parents: true });
    this.dirs = [this.base];
  }

  async step(forced?: OpKind): Promise<OpKind> {
    let kind = forced ?? this.next();
    if (this.files.length === 0 && kind !== 'mkdir') kind = 'create';
    if ((kind === 'renameDir' || kind === 'deleteDir') && this.dirs.length < 2) kind = 'mkdir';
    const n = ++this.counter;
    const nn = this.nn;
    const ctx = this.ctx;
    switch (kind) {
      case 'create': {
        const path = `${this.pick(this.dirs)}/part-${n}.parquet`;
        await nn.create(path, ctx, { size: Math.floor(this.random() * 1e6) });
        this.files.push(path);
        break;
      }
      case 'append':
        await nn.append(this.pick(this.files), 1 + Math.floor(this.random() * 65536), ctx);
        break;
      case 'read':
        await nn.read(this.pick(this.files), ctx);
        break;
      case 'truncate':
        await nn.truncate(this.pick(this.files), Math.floor(this.random() * 1000), ctx);
        break;
      case 'setXattr': {
        const file = this.pick(this.files);
        const name = `tag${n % 4}`;
        await nn.setXattr(
          file,
          name,
          JSON.stringify({ owner: ctx.user, quality: n % 10, note: `v${n}` }),
          ctx,
        );
        const set = this.xattrs.get(file) ?? new Set();
        set.add(name);
        this.xattrs.set(file, set);
        break;
      }
      case 'removeXattr': {
        const file = this.files.find((f) => (this.xattrs.get(f)?.size ?? 0) > 0);
        if (!file) return this.step('setXattr');
        const name = [...this.xattrs.get(file)!][0]!;
        await nn.removeXattr(file, name, ctx);
        this.xattrs.get(file)!.delete(name);
        break;
      }
      case 'chmod':
        await nn.chmod(this.pick(this.files), [0o600, 0o640, 0o644, 0o750][n % 4]!, ctx);
        break;
      case 'renameFile': {
        const from = this.pick(this.files);
        const to = `${this.pick(this.dirs)}/moved-${n}.parquet`;
        await nn.rename(from, to, ctx);
        this.files = this.files.map((f) => (f === from ? to : f));
        this.moveXattrs(from, to);
        break;
      }
      case 'renameDir': {
        const from = this.pick(this.dirs.slice(1));
        const to = `${parentOf(from)}/dir-${n}`;
        await nn.rename(from, to, ctx);
        this.rebase(from, to);
        break;
      }
      case 'mkdir': {
        const parent = this.pick(this.dirs.filter((d) => depth(d) - depth(this.base) < 3));
        const path = `${parent}/dir-${n}`;
        await nn.mkdir(path, ctx);
        this.dirs.push(path);
        break;
      }
      case 'deleteFile': {
        const file = this.pick(this.files);
        await nn.delete(file, ctx);
        this.files = this.files.filter((f) => f !== file);
        this.xattrs.delete(file);
        break;
      }
      case 'deleteDir': {
        const dir = this.pick(this.dirs.slice(1));
        await nn.delete(dir, ctx, { recursive: true });
        const gone = (p: string): boolean => p === dir || p.startsWith(`${dir}/`);
        this.dirs = this.dirs.filter((d) => !gone(d));
        this.files = this.files.filter((f) => !gone(f));
        break;
      }
    }
    return kind;
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private rebase(from: string, to: string): void {
    const move = (p: string): string =>
      p === from ? to : p.startsWith(`${from}/`) ? to + p.slice(from.length) : p;
    this.dirs = this.dirs.map(move);
    for (const f of this.files) this.moveXattrs(f, move(f));
    this.files = this.files.map(move);
  }

  private moveXattrs(from: string, to: string): void {
    if (from === to) return;
    const set = this.xattrs.get(from);
    if (set) {
      this.xattrs.delete(from);
      this.xattrs.set(to, set);
    }
  }
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

function depth(path: string): number {
  return path.split('/').length;
}
