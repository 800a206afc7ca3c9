import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setupWorkload, type WorkloadSetup } from '@epipe/workload';
import { Kafka, logLevel } from 'kafkajs';
import {
  checkScenario,
  type ExpectedDeadLetter,
  type ScenarioReport,
  waitFor,
  logRowsLeft,
} from '../../support/checker';
import { dropRunSinks } from '../../support/cleanup';
import {
  daemonEnv,
  deadLetterTopic,
  dropDaemonUser,
  type DaemonNames,
  provenanceTopic,
} from '../../support/daemon';
import type { TestDatabase } from '../../support/db';
import type { TestEnv } from '../../support/env';
import { createRunResources } from '../../support/run';
import { ChildDaemon, sleepMs } from './child-daemon';
import { type BackgroundLoad, ResilientNameNode, startLoad } from './load';

/**
 * One fault scenario's world: a fresh metadata database with the audit trigger, a
 * least-privilege daemon account, unique topics and index, and the daemon as a child process.
 * `close()` kills the daemon and removes everything, whatever state the test left.
 */
export class FaultScenario {
  readonly startedAtMs = Date.now();
  readonly nameNode: ResilientNameNode;

  private constructor(
    readonly db: TestDatabase,
    readonly names: DaemonNames,
    readonly env: TestEnv,
    readonly daemon: ChildDaemon,
  ) {
    this.nameNode = new ResilientNameNode(db.pool);
  }

  static async create(
    prefix: string,
    options: { daemonEnv?: Record<string, string>; connectionLimit?: number } = {},
  ): Promise<FaultScenario> {
    const { db, names, env } = await createRunResources(prefix, {
      audit: true,
      connectionLimit: options.connectionLimit ?? 12,
    });
    try {
      const logDir = join(process.env.EPIPE_STACK_DIR ?? resolve(__dirname, '../../../.stack'), 'fault-logs');
      mkdirSync(logDir, { recursive: true });
      const daemon = await ChildDaemon.create(
        daemonEnv(names, { EPIPE_LOG_LEVEL: 'info', ...options.daemonEnv }),
        join(logDir, `${db.database}.log`),
      );
      return new FaultScenario(db, names, env, daemon);
    } catch (err) {
      await dropDaemonUser(names).catch(() => undefined);
      await db.drop().catch(() => undefined);
      throw err;
    }
  }

  get pool(): TestDatabase['pool'] {
    return this.db.pool;
  }

  get deadLetterTopic(): string {
    return deadLetterTopic(this.names);
  }

  /** Waits until the daemon has acknowledged (and deleted) every log row. */
  async quiesce(timeoutMs = 180_000): Promise<void> {
    await waitFor(
      `the log table to empty (daemon log: ${this.daemon.logFile})`,
      async () => {
        if (this.daemon.starts > 0 && !this.daemon.running)
          throw new Error(`the daemon exited; see its log ${this.daemon.logFile}`);
        return (await logRowsLeft(this.pool).catch(() => -1)) === 0;
      },
      timeoutMs,
    );
  }

  /** Quiesces, then runs the shared checker and prints the scenario's report. */
  async check(
    scenario: string,
    options: {
      poison?: ReadonlyMap<number, ExpectedDeadLetter>;
      maxXattrBytes?: number;
      timeoutMs?: number;
    } = {},
  ): Promise<{ report: ScenarioReport; problems: string[] }> {
    await this.quiesce(options.timeoutMs);
    const result = await checkScenario({
      scenario,
      pool: this.pool,
      brokers: this.env.kafkaBrokers,
      topic: this.names.topic,
      deadLetterTopic: this.deadLetterTopic,
      esUrl: this.env.elasticUrl,
      index: this.names.index,
      peakRssBytes: this.daemon.peakRssBytes,
      startedAtMs: this.startedAtMs,
      ...(options.poison ? { poison: options.poison } : {}),
      ...(options.maxXattrBytes !== undefined ? { maxXattrBytes: options.maxXattrBytes } : {}),
    });
    // Every scenario runs with provenance on (the default): say how much of it there was.
    process.stdout.write(`[fault report]   provenance events published: ${await this.provenanceRecords()}\n`);
    return result;
  }

  /** Records in the scenario's provenance topic (0 when it was never created). */
  private async provenanceRecords(): Promise<number> {
    const admin = new Kafka({ brokers: this.env.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(provenanceTopic(this.names)).catch(() => []);
      return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * The workload's project (`dirs` writer directories), the daemon started and ready, then the
   * writers committing in the background until the returned load is stopped.
   */
  async startUnderLoad(
    project: string,
    dirs: number,
    load: { writers: number; ratePerSec: number; seed: number },
  ): Promise<{ setup: WorkloadSetup; load: BackgroundLoad }> {
    const setup = await setupWorkload(this.nameNode, project, dirs);
    await this.daemon.startReady();
    return { setup, load: startLoad(this.nameNode, setup, load) };
  }

  /**
   * SIGKILLs the daemon `kills` times in a row, each 200 ms plus up to `maxUpMs` after it started
   * (from still starting or scanning to tailing and acknowledging), and starts it again up to
   * `maxDownMs` later. Returns each kill as "<after> ms (<n> rows unacknowledged)".
   */
  async killAtRandom(
    random: () => number,
    options: { kills: number; maxUpMs: number; maxDownMs: number },
  ): Promise<string[]> {
    const kills: string[] = [];
    for (let i = 0; i < options.kills; i++) {
      const after = Math.round(200 + random() * options.maxUpMs);
      await sleepMs(after);
      const pending = await logRowsLeft(this.pool);
      await this.daemon.kill();
      kills.push(`${after} ms (${pending} rows unacknowledged)`);
      await sleepMs(Math.round(random() * options.maxDownMs));
      this.daemon.start();
    }
    return kills;
  }

  /**
   * Another daemon process on the same database, topic and index (a standby, or a successor);
   * `close()` kills it too.
   */
  async addDaemon(env: Record<string, string>, suffix: string): Promise<ChildDaemon> {
    const daemon = await ChildDaemon.create(
      daemonEnv(this.names, { EPIPE_LOG_LEVEL: 'info', ...env }),
      this.daemon.logFile.replace(/\.log$/, `-${suffix}.log`),
    );
    this.others.push(daemon);
    return daemon;
  }

  private readonly others: ChildDaemon[] = [];

  async close(): Promise<void> {
    for (const other of this.others) await other.kill().catch(() => undefined);
    await this.daemon.kill().catch(() => undefined);
    await dropDaemonUser(this.names).catch(() => undefined);
    await dropRunSinks(this.env, this.names).catch(() => undefined);
    await this.db.drop();
  }
}

type CreateOptions = Parameters<typeof FaultScenario.create>[1];
type CheckResult = Awaited<ReturnType<FaultScenario['check']>>;

/** What every scenario asserts of the shared checker's verdict: no problem, nothing lost. */
export function expectNoLoss({ report, problems }: CheckResult): void {
  expect(problems).toEqual([]);
  expect(report.losses).toBe(0);
}

/** The daemon rode the fault out in its first process: still running, never restarted. */
export function expectStayedUp(s: FaultScenario): void {
  expect(s.daemon.running).toBe(true);
  expect(s.daemon.starts).toBe(1);
}

/** A scenario for one test: `body` runs on it, then it is closed, whatever `body` did. */
export async function withFaultScenario<T>(
  prefix: string,
  options: CreateOptions,
  body: (s: FaultScenario) => Promise<T>,
): Promise<T> {
  const s = await FaultScenario.create(prefix, options);
  try {
    return await body(s);
  } finally {
    await s.close();
  }
}

/**
 * Declares, inside a describe, the scenario its tests share: created before them, closed after
 * them (daemons killed, everything removed), whatever state they left. Returns its getter.
 */
export function useFaultScenario(prefix: string, options: CreateOptions = {}): () => FaultScenario {
  let s: FaultScenario | undefined;
  beforeAll(async () => {
    s = await FaultScenario.create(prefix, options);
  });
  afterAll(async () => {
    await s?.close();
  });
  return () => {
    if (!s) throw new Error(`fault scenario ${prefix} was not created (see beforeAll's error)`);
    return s;
  };
}
