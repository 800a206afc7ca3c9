import { createSubscriber, type Delivery, type Subscriber } from '@epipe/client';
import type { EpipeConfig } from '../../services/epipe/src/config/load';
import {
  checkSearchState,
  deliveryProblems,
  installAudit,
  searchDocuments,
  type SearchStateOptions,
  waitFor,
  waitForEmptyLog,
  waitForEveryEvent,
} from './checker';
import { dropRunSinks } from './cleanup';
import {
  daemonConfig,
  daemonEnv,
  dropDaemonUser,
  type DaemonNames,
  type InProcessDaemon,
  prepareDaemon,
  startInProcess,
} from './daemon';
import { createTestDatabase, type TestDatabase } from './db';
import { testEnv, type TestEnv } from './env';

export interface RunOptions {
  /** Installs the audit trigger: the checker's ground truth of every committed row. */
  audit?: boolean;
  connectionLimit?: number;
}

/** What one test owns on the shared stack: its database, its daemon account and names. */
export interface RunResources {
  db: TestDatabase;
  names: DaemonNames;
  env: TestEnv;
}

/** A fresh migrated database (audited if asked) and a least-privilege daemon account for it. */
export async function createRunResources(prefix: string, options: RunOptions = {}): Promise<RunResources> {
  const db = await createTestDatabase(prefix, { connectionLimit: options.connectionLimit ?? 8 });
  try {
    if (options.audit) await installAudit(db.pool);
    return { db, names: await prepareDaemon(db.database), env: testEnv() };
  } catch (err) {
    await db.drop().catch(() => undefined);
    throw err;
  }
}

/**
 * One end-to-end spec's world with the daemon in this process, as `epipe run` would run it:
 * daemons and subscribers started through it are stopped by `close()`, which then removes the
 * account, the topics and indices the daemon made, and the database.
 */
export class E2eRun implements RunResources {
  private readonly daemons: InProcessDaemon[] = [];
  private readonly subscribers: Subscriber[] = [];

  private constructor(
    readonly db: TestDatabase,
    readonly names: DaemonNames,
    readonly env: TestEnv,
  ) {}

  static async create(prefix: string, options: RunOptions = {}): Promise<E2eRun> {
    const { db, names, env } = await createRunResources(prefix, options);
    return new E2eRun(db, names, env);
  }

  get pool(): TestDatabase['pool'] {
    return this.db.pool;
  }

  /** The daemon's settings for this run (`EPIPE_*` variables over the run's account and names). */
  daemonEnv(overrides: Record<string, string> = {}): Record<string, string> {
    return daemonEnv(this.names, overrides);
  }

  daemonConfig(overrides: Record<string, string> = {}): EpipeConfig {
    return daemonConfig(this.names, overrides);
  }

  /** Starts a daemon and returns at once (it may stand by, or wait for a sink). */
  startDaemon(overrides: Record<string, string> = {}): InProcessDaemon {
    const daemon = startInProcess(this.daemonConfig(overrides));
    this.daemons.push(daemon);
    return daemon;
  }

  /** Starts a daemon and waits until it says it is ready. */
  async startReadyDaemon(overrides: Record<string, string> = {}): Promise<InProcessDaemon> {
    const daemon = this.startDaemon(overrides);
    await waitFor('the daemon to be ready', () => Promise.resolve(daemon.state.ready));
    return daemon;
  }

  /** Subscribes to the run's events topic from the beginning; every delivery lands in `into`. */
  async subscribe(into: Delivery[], options: { dedupe?: boolean } = {}): Promise<Subscriber> {
    const subscriber = createSubscriber({
      brokers: this.env.kafkaBrokers,
      topic: this.names.topic,
      groupId: `${this.names.topic}-check`,
      ...(options.dedupe === undefined ? {} : { dedupe: options.dedupe }),
    });
    this.subscribers.push(subscriber);
    await subscriber.start((delivery) => void into.push(delivery));
    return subscriber;
  }

  /** The documents of the run's inode index (through its alias), refreshed first. */
  documents(): ReturnType<typeof searchDocuments> {
    return searchDocuments(this.env.elasticUrl, this.names.index);
  }

  async waitForDocument(inodeId: number): Promise<void> {
    await waitFor(`the document of inode ${inodeId}`, async () => (await this.documents()).has(inodeId));
  }

  waitForEmptyLog(timeoutMs?: number): Promise<void> {
    return waitForEmptyLog(this.pool, timeoutMs);
  }

  /** The log table empty and every committed row's event in `received` (needs the audit). */
  async quiesce(received: readonly Delivery[]): Promise<void> {
    await this.waitForEmptyLog();
    await waitForEveryEvent(this.pool, received);
  }

  /** The run's index against its database (see checkSearchState); [] when they are equal. */
  searchProblems(options: SearchStateOptions = {}): Promise<string[]> {
    return checkSearchState(this.pool, this.env.elasticUrl, this.names.index, options);
  }

  /** The shared checker on this run's sinks (see deliveryProblems); [] when all is well. */
  deliveryProblems(received: readonly Delivery[]): Promise<string[]> {
    return deliveryProblems(this.pool, received, { esUrl: this.env.elasticUrl, index: this.names.index });
  }

  /** Stops and removes everything, every step even when an earlier one fails; rethrows the failures. */
  async close(): Promise<void> {
    const steps = [
      ...this.subscribers.map((subscriber) => () => subscriber.stop()),
      ...this.daemons.map((daemon) => () => daemon.stop()),
      () => dropDaemonUser(this.names),
      () => dropRunSinks(this.env, this.names),
      () => this.db.drop(),
    ];
    const failures: unknown[] = [];
    for (const step of steps) await step().catch((err: unknown) => void failures.push(err));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `closing the run of ${this.db.database}`);
  }
}
