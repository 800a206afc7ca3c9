import { NameNode } from '@epipe/metastore';
import { HOPSFS_MIX, runWorkload, type WorkloadSetup, type WorkloadStats } from '@epipe/workload';

type Body<T> = (tx: Parameters<Parameters<NameNode['run']>[1]>[0]) => Promise<T>;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_CON_COUNT_ERROR',
]);

/** Whether a writer's failure is the server going away (retry) rather than the operation's fault. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; fatal?: unknown; message?: unknown } | null;
  if (e?.fatal === true) return true;
  if (typeof e?.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  return (
    typeof e?.message === 'string' && /closed state|connection lost|server has gone away/i.test(e.message)
  );
}

/**
 * A name node whose clients ride out a database restart: an operation that fails because the
 * server went away is run again on a fresh connection. Its commit may or may not have happened;
 * running it again is then refused (exists, not found) or applied twice, which is fine: the
 * checker's ground truth is the audit table, written in the same transaction as the log rows.
 */
export class ResilientNameNode extends NameNode {
  connectionRetries = 0;

  override async run<T>(operation: string, body: Body<T>): Promise<T> {
    const deadline = Date.now() + 180_000;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        return await super.run(operation, body);
      } catch (err) {
        if (!isConnectionError(err) || Date.now() > deadline) throw err;
        this.connectionRetries++;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}

export interface BackgroundLoad {
  /** Stops the writers and resolves with what they did; rethrows a writer's failure. */
  stop(): Promise<WorkloadStats>;
  readonly operations: number;
}

/** A scenario's random seed: EPIPE_FAULT_SEED replays a run (the seed is in its report line). */
export function faultSeed(): number {
  return Number(process.env.EPIPE_FAULT_SEED ?? Date.now() % 100_000);
}

/** Concurrent writers (libs/workload's HopsFS mix) running until stop(). */
export function startLoad(
  nn: NameNode,
  setup: WorkloadSetup,
  options: { writers: number; ratePerSec: number; seed: number },
): BackgroundLoad {
  const controller = new AbortController();
  let operations = 0;
  const done = runWorkload(nn, setup, {
    project: setup.project,
    writers: options.writers,
    ratePerSec: options.ratePerSec,
    mix: HOPSFS_MIX,
    seed: options.seed,
    signal: controller.signal,
    onProgress: (s) => (operations = s.operations),
  });
  // Keep a writer's failure from being unhandled until stop() reports it.
  done.catch(() => undefined);
  return {
    get operations() {
      return operations;
    },
    async stop() {
      controller.abort();
      return done;
    },
  };
}
