import {
  EpipeError,
  type Logger,
  type Metrics,
  backoffDelay,
  errorMessage,
  isRetriable,
  needsOperator,
  sleep,
} from '@epipe/core';
import { runPipeline } from '@epipe/pipeline';
import { mysqlSslOptions } from '@epipe/source';
import { createConnection } from 'mysql2/promise';
import type { EpipeConfig } from '../config/load';
import { type Components, createComponents } from './components';
import { LeaderLock } from './leader';
import { type LogBacklog, readLogBacklog } from './log-table';
import { ProgressWatch } from './progress';
import { mysqlTls } from './tls';

export interface DaemonState {
  phase: 'starting' | 'standby' | 'running' | 'restarting' | 'stopping' | 'stopped';
  /**
   * Kubernetes readiness: a standby whose lock attempts reach the server is ready (a rollout or
   * a node drain must be able to count on it); the leader is ready while it can deliver.
   */
  ready: boolean;
  /** This instance holds the leader lock. */
  leader: boolean;
  restarts: number;
  lastError: string | null;
  /** The leader's last count of the log table. */
  logTable: (LogBacklog & { checkedAtMs: number }) | null;
}

export function createDaemonState(): DaemonState {
  return { phase: 'starting', ready: false, leader: false, restarts: 0, lastError: null, logTable: null };
}

export interface SupervisorDeps {
  logger: Logger;
  metrics: Metrics;
  state: DaemonState;
  /** Told of progress and pending work, for /healthz; one per process. */
  progress?: ProgressWatch;
}

/**
 * The outer loop: take the leader lock, build fresh components, run the pipeline until it fails
 * or the signal aborts, then wait a delay that depends on the kind of error and start again.
 * Every lifetime starts with recovery from the log table, so a restart never loses a row.
 */
export async function supervise(
  config: EpipeConfig,
  deps: SupervisorDeps,
  signal: AbortSignal,
): Promise<void> {
  const { logger, metrics, state } = deps;
  const progress = deps.progress ?? new ProgressWatch(config.health.stuckAfterMs);
  const setLeader = (leader: boolean): void => {
    state.leader = leader;
    metrics.leader.set(leader ? 1 : 0);
    // Work in the log table is the leader's; a standby has none to be stuck on.
    if (!leader) progress.pending(false);
  };
  const lock = new LeaderLock(
    () => {
      const tls = mysqlTls(config.mysql);
      return createConnection({
        host: config.mysql.host,
        port: config.mysql.port,
        user: config.mysql.user,
        password: config.mysql.password,
        connectTimeout: config.mysql.connectTimeoutMs,
        enableKeepAlive: true,
        ...(tls ? { ssl: mysqlSslOptions(tls) } : {}),
      });
    },
    config.leader.lockName || `epipe:${config.mysql.database}`,
    config.leader.waitMs,
    logger,
  );
  let failures = 0;
  try {
    while (!signal.aborted) {
      state.phase = 'standby';
      try {
        await lock.acquire(signal, (healthy) => {
          state.ready = healthy;
          metrics.ready.set(healthy ? 1 : 0);
        });
      } catch (err) {
        if (signal.aborted) break;
        throw err;
      }
      state.phase = 'running';
      state.ready = false;
      metrics.ready.set(0);
      setLeader(true);
      progress.progress();
      const started = Date.now();
      try {
        await runOnce(config, { ...deps, progress }, lock, signal);
        if (signal.aborted) break;
      } catch (err) {
        if (signal.aborted && err instanceof EpipeError && err.code === 'SHUTDOWN') throw err;
        // Refused credentials or an untrusted certificate: no restart can fix it. The caller
        // reports it once and exits.
        if (needsOperator(err)) throw err;
        setLeader(lock.isLeader);
        progress.progress();
        state.restarts++;
        state.ready = false;
        metrics.ready.set(0);
        state.lastError = errorMessage(err);
        const code = err instanceof EpipeError ? err.code : 'UNKNOWN';
        metrics.restarts.inc({ code });
        // A lifetime that ran a while resets the backoff: this is a new incident.
        failures = Date.now() - started > 60_000 ? 1 : failures + 1;
        const delay = restartDelay(err, failures);
        logger.error({ err, code, delayMs: delay }, 'pipeline stopped; restarting');
        state.phase = 'restarting';
        await sleep(delay, signal).catch(() => undefined);
      }
    }
  } finally {
    state.phase = 'stopped';
    state.ready = false;
    metrics.ready.set(0);
    setLeader(false);
    await lock.release();
  }
}

async function runOnce(
  config: EpipeConfig,
  deps: SupervisorDeps & { progress: ProgressWatch },
  lock: LeaderLock,
  signal: AbortSignal,
): Promise<void> {
  const { logger, metrics, state, progress } = deps;
  const components = createComponents(config, deps);
  const stopCounting = countLogTable(config, components, deps);
  const lifetime = new AbortController();
  const onAbort = (): void => lifetime.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let lostLeadership = false;
  // Calls of a failed lifetime may still complete after it ended; they must not declare the
  // daemon ready while the next lifetime cannot even connect.
  let current = true;
  const leaderCheck = setInterval(() => {
    void lock.check().then((held) => {
      if (!held && !lifetime.signal.aborted) {
        lostLeadership = true;
        logger.error('leader lock lost: stopping this lifetime');
        lifetime.abort(new EpipeError('NOT_LEADER', 'leader lock lost', { retriable: true }));
      }
    });
  }, 5_000);
  try {
    await Promise.all([components.kafka?.start(lifetime.signal), components.elastic?.start(lifetime.signal)]);
    const setReady = (ready: boolean): void => {
      if (!current) return;
      state.ready = ready;
      metrics.ready.set(ready ? 1 : 0);
    };
    setReady(true);
    logger.info('pipeline started: recovering from the log table, then tailing the binlog');
    await runPipeline(
      {
        epoch: {
          maxEpochMs: config.epoch.maxMs,
          maxEpochRows: config.epoch.maxRows,
          maxEpochBytes: config.epoch.maxBytes,
          maxBatchRows: config.epoch.maxBatchRows,
          maxBatchBytes: config.epoch.maxBatchBytes,
        },
        maxInflightBytes: config.pipeline.maxInflightBytes,
        shutdownTimeoutMs: config.pipeline.shutdownTimeoutMs,
      },
      {
        source: components.source,
        enricher: components.enricher,
        kafka: components.kafka,
        elastic: components.elastic,
        acker: components.acker,
        // The central metrics fit every stage's metrics interface as they are.
        metrics,
        logger,
        onReady: setReady,
        onProgress: () => progress.progress(),
      },
      lifetime.signal,
    );
    if (lostLeadership) throw new EpipeError('NOT_LEADER', 'leader lock lost', { retriable: true });
  } finally {
    current = false;
    clearInterval(leaderCheck);
    stopCounting();
    signal.removeEventListener('abort', onAbort);
    state.ready = false;
    metrics.ready.set(0);
    await components.close();
  }
}

/** Polls the log table while this lifetime lasts: rows pending, the oldest's age, stuck detection. */
function countLogTable(
  config: EpipeConfig,
  components: Pick<Components, 'pool'>,
  deps: SupervisorDeps & { progress: ProgressWatch },
): () => void {
  const { metrics, state, progress, logger } = deps;
  let busy = false;
  const poll = (): void => {
    if (busy) return;
    busy = true;
    readLogBacklog(components.pool, config.mysql.logTable, config.health.logTablePollMs)
      .then(
        (backlog) => {
          state.logTable = { ...backlog, checkedAtMs: Date.now() };
          metrics.logRowsPending.set(backlog.rows);
          metrics.setOldestLogRow(backlog.oldestCommitMs);
          progress.pending(backlog.rows > 0);
        },
        // The lifetime's own calls report an unreachable database; this count is only a view.
        (err: unknown) => logger.debug({ err: errorMessage(err) }, 'counting the log table failed'),
      )
      .finally(() => {
        busy = false;
      });
  };
  poll();
  const timer = setInterval(poll, config.health.logTablePollMs);
  return () => clearInterval(timer);
}

function restartDelay(err: unknown, failures: number): number {
  if (err instanceof EpipeError && (err.code === 'SERVER_MISCONFIGURED' || err.code === 'CONFIG_INVALID')) {
    return 30_000; // an operator has to act; do not hammer the server meanwhile
  }
  if (isRetriable(err)) return backoffDelay(failures, 500, 30_000);
  return backoffDelay(failures, 2_000, 60_000);
}

/**
 * The process exit code for an error that ended the supervisor: 2 for what an operator must fix
 * (credentials, certificates), as for a wrong command line; 1 for anything else.
 */
export function exitCodeOf(err: unknown): number {
  return needsOperator(err) ? 2 : 1;
}
