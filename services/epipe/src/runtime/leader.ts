import { EpipeError, type Logger, needsOperator, sleep } from '@epipe/core';
import { mariadbConnectionError } from '@epipe/source';
import type { Connection } from 'mysql2/promise';

export interface LeaderLockOptions {
  lockName: string;
  /** How long one GET_LOCK attempt waits. */
  waitMs: number;
  /**
   * wait_timeout of the lock's session: if this instance's node vanishes without closing the
   * connection, the server drops it, and so the lock, after this long. The leader's checks
   * keep the session busy meanwhile.
   */
  sessionTimeoutS: number;
  /** Every lock query fails after this long: a silent network must not hang a check. */
  queryTimeoutMs: number;
}

/**
 * Only one epipe may be active per source database. The active one holds a named lock on a
 * dedicated connection; if that connection dies the lock is released by the server, so a standby
 * that keeps asking takes over, and starts with the usual recovery from the log table.
 *
 * Losing the lock is a failure of the instance that held it, noticed as early as possible: the
 * connection closing (a KILL, a reset) is seen at once, a check that fails or goes unanswered at
 * the next check. `fence` is aborted then, and the pipeline abandons what it was doing: two
 * instances writing the same index and topic even for seconds could let a stale change win.
 */
export class LeaderLock {
  private held = false;
  private conn: Connection | undefined;
  private fencing = new AbortController();

  constructor(
    private readonly connect: () => Promise<Connection>,
    private readonly options: LeaderLockOptions,
    private readonly logger: Logger,
  ) {}

  get isLeader(): boolean {
    return this.held;
  }

  /** Aborted when the lock taken by the last acquire() is lost. */
  get fence(): AbortSignal {
    return this.fencing.signal;
  }

  /**
   * Waits until the lock is ours (or the signal aborts). `onStandby` hears after each attempt
   * whether this instance is a healthy standby: the server answered and another instance holds
   * the lock (true), or the attempt failed (false).
   */
  async acquire(signal: AbortSignal, onStandby?: (healthy: boolean) => void): Promise<void> {
    let announced = false;
    while (!signal.aborted) {
      try {
        const conn = (this.conn ??= await this.open());
        const [rows] = await conn.query(
          { sql: 'SELECT GET_LOCK(?, ?) AS got', timeout: this.options.waitMs + this.options.queryTimeoutMs },
          [this.options.lockName, this.options.waitMs / 1000],
        );
        if ((rows as { got: number | null }[])[0]?.got === 1) {
          this.fencing = new AbortController();
          this.held = true;
          this.logger.info({ lock: this.options.lockName }, 'leader lock taken: this instance is active');
          return;
        }
        onStandby?.(true);
        if (!announced)
          this.logger.info({ lock: this.options.lockName }, 'another instance is active; standing by');
        announced = true;
      } catch (err) {
        onStandby?.(false);
        await this.release();
        const classified = mariadbConnectionError(err, 'leader lock connection');
        if (needsOperator(classified)) throw classified;
        this.logger.warn({ err }, 'leader lock attempt failed');
        await sleep(1_000, signal).catch(() => undefined);
      }
    }
    throw new EpipeError('SHUTDOWN', 'stopped while waiting for the leader lock');
  }

  /** Resolves true while we still hold the lock; false (and the fence aborted) once we do not. */
  async check(): Promise<boolean> {
    if (!this.conn || !this.held) return false;
    try {
      const [rows] = await this.conn.query(
        { sql: 'SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine', timeout: this.options.queryTimeoutMs },
        [this.options.lockName],
      );
      if ((rows as { mine: number | null }[])[0]?.mine !== 1)
        this.lose('the server says another session holds it');
    } catch (err) {
      this.lose(`the lock check failed: ${(err as Error).message}`);
    }
    return this.held;
  }

  async release(): Promise<void> {
    this.held = false;
    const conn = this.conn;
    this.conn = undefined;
    if (!conn) return;
    try {
      await conn.query({ sql: 'SELECT RELEASE_LOCK(?)', timeout: this.options.queryTimeoutMs }, [
        this.options.lockName,
      ]);
    } catch {
      // The connection is gone: the server has released the lock already.
    }
    await Promise.race([conn.end(), sleep(this.options.queryTimeoutMs)]).catch(() => undefined);
    conn.destroy();
  }

  private async open(): Promise<Connection> {
    const conn = await this.connect();
    // Whatever ends the session ends the lock with it: notice at once, not at the next check.
    conn.on('error', (err: Error) => this.lose(`its connection failed: ${err.message}`, conn));
    conn.on('end', () => this.lose('its connection was closed', conn));
    await conn.query({ sql: 'SET SESSION wait_timeout = ?', timeout: this.options.queryTimeoutMs }, [
      this.options.sessionTimeoutS,
    ]);
    return conn;
  }

  private lose(reason: string, from?: Connection): void {
    if (from && from !== this.conn) return;
    if (!this.held) {
      // Not leading: a broken connection is only dropped, so the next attempt opens a new one.
      if (from) this.conn = undefined;
      return;
    }
    this.held = false;
    this.logger.error(
      { lock: this.options.lockName, reason },
      'leader lock lost: this instance stops writing',
    );
    this.fencing.abort(new EpipeError('NOT_LEADER', `leader lock lost: ${reason}`, { retriable: true }));
    const conn = this.conn;
    this.conn = undefined;
    conn?.destroy();
  }
}
