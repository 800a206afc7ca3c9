import {
  EpipeError,
  type Logger,
  type Metrics,
  backoffDelay,
  errorMessage,
  isRetriable,
  needsOperator,
  pickFields,
  sleep,
} from '@epipe/core';
import { epochConfig } from '@epipe/epoch';
import { PROVENANCE_WINDOW_FIELDS, runPipeline } from '@epipe/pipeline';
import { mysqlSslOptions } from '@epipe/source';
import { type RowDataPacket, createConnection } from 'mysql2/promise';
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
  /** Binlog positions (file:offset@gtid): of the last batch read, and of the last acknowledged. */
  binlog: { read: string | null; acknowledged: string | null };
  /** Writer commit time of the newest acknowledged row (ms), for lag. */
  lastAckedCommitMs: number | null;
  /** Systems whose calls are failing and being retried now (mysql, kafka, elasticsearch). */
  failing: string[];
}

export function createDaemonState(): DaemonState {
  return {
    phase: 'starting',
    ready: false,
    leader: false,
    restarts: 0,
    lastError: null,
    logTable: null,
    binlog: { read: null, acknowledged: null },
    lastAckedCommitMs: null,
    failing: [],
  };
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
    {
      lockName: config.leader.lockName || `epipe:${config.mysql.database}`,
      waitMs: config.leader.waitMs,
      sessionTimeoutS: config.leader.sessionTimeoutS,
      queryTimeoutMs: config.mysql.queryTimeoutMs,
    },
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
      // The gauge and /status drop at the instant the lock is lost, not when the lifetime ends.
      lock.fence.addEventListener('abort', () => setLeader(false), { once: true });
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
  // A lost lock fails the lifetime at once (the pipeline abandons its calls); see LeaderLock.
  const fence = lock.fence;
  const onFenced = (): void => lifetime.abort(fence.reason);
  fence.addEventListener('abort', onFenced, { once: true });
  // Calls of a failed lifetime may still complete after it ended; they must not declare the
  // daemon ready while the next lifetime cannot even connect.
  let current = true;
  let checking = false;
  const leaderCheck = setInterval(() => {
    if (checking) return;
    checking = true;
    void lock.check().finally(() => (checking = false));
  }, config.leader.checkMs);
  try {
    await Promise.all([
      components.kafka?.start(lifetime.signal),
      components.elastic?.start(lifetime.signal),
      components.provenanceIndex?.start(lifetime.signal),
    ]);
    const firstEpoch = await databaseClockMicros(components);
    const setReady = (ready: boolean, failing: string[] = []): void => {
      if (!current) return;
      state.ready = ready;
      state.failing = failing;
      metrics.ready.set(ready ? 1 : 0);
    };
    setReady(true);
    logger.info('pipeline started: recovering from the log table, then tailing the binlog');
    await runPipeline(
      {
        epoch: epochConfig(config.epoch),
        ...config.pipeline,
        provenance: config.provenance.enabled
          ? {
              source: config.mysql.database,
              ...pickFields(PROVENANCE_WINDOW_FIELDS, config.provenance),
            }
          : null,
      },
      {
        source: components.source,
        enricher: components.enricher,
        kafka: components.kafka,
        elastic: components.elastic,
        provenanceKafka: config.provenance.enabled ? components.kafka : null,
        provenanceIndex: components.provenanceIndex,
        acker: components.acker,
        // The central metrics fit every stage's metrics interface as they are.
        metrics,
        logger,
        onReady: setReady,
        fence,
        firstEpoch,
        onProgress: (batch) => {
          progress.progress();
          if (!batch) return;
          if (batch.position) state.binlog.acknowledged = batch.position.toString();
          for (const r of batch.rows)
            state.lastAckedCommitMs = Math.max(state.lastAckedCommitMs ?? 0, r.commitTsMs);
        },
        onRead: (batch) => {
          if (batch.position) state.binlog.read = batch.position.toString();
        },
      },
      lifetime.signal,
    );
    if (fence.aborted) throw fence.reason;
  } finally {
    current = false;
    clearInterval(leaderCheck);
    fence.removeEventListener('abort', onFenced);
    stopCounting();
    signal.removeEventListener('abort', onAbort);
    state.ready = false;
    state.failing = [];
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
        (err: unknown) => logger.debug({ err }, 'counting the log table failed'),
      )
      .finally(() => {
        busy = false;
      });
  };
  poll();
  const timer = setInterval(poll, config.health.logTablePollMs);
  return () => clearInterval(timer);
}

/**
 * The first epoch id of a lifetime: the database server's clock in microseconds. Every instance
 * reads the same clock, so a standby taking over on a host whose own clock is behind still
 * starts above every epoch the previous leader published (it counted up by one per epoch from
 * an earlier reading of that clock, never faster than the clock itself).
 */
async function databaseClockMicros(components: Pick<Components, 'pool'>): Promise<number> {
  const [rows] = await components.pool.query<RowDataPacket[]>('SELECT UNIX_TIMESTAMP(NOW(6)) AS now_s');
  const seconds = Number(rows[0]?.now_s);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new EpipeError('SERVER_MISCONFIGURED', `the database clock reads ${String(rows[0]?.now_s)}`);
  }
  return Math.round(seconds * 1_000_000);
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
