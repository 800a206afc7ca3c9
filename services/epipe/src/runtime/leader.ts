import { EpipeError, type Logger, needsOperator, sleep } from '@epipe/core';
import { mariadbConnectionError } from '@epipe/source';
import type { Connection } from 'mysql2/promise';

/**
 * Only one epipe may be active per source database. The active one holds a named lock on a
 * dedicated connection; if that connection dies the lock is released by the server, so a standby
 * that keeps asking takes over, and starts with the usual recovery from the log table.
 */
export class LeaderLock {
  private held = false;

  constructor(
    private readonly connect: () => Promise<Connection>,
    private readonly lockName: string,
    private readonly waitMs: number,
    private readonly logger: Logger,
  ) {}

  private conn: Connection | undefined;

  get isLeader(): boolean {
    return this.held;
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
        this.conn ??= await this.connect();
        const [rows] = await this.conn.query('SELECT GET_LOCK(?, ?) AS got', [
          this.lockName,
          this.waitMs / 1000,
        ]);
        if ((rows as { got: number | null }[])[0]?.got === 1) {
          this.held = true;
          this.logger.info({ lock: this.lockName }, 'leader lock taken: this instance is active');
          return;
        }
        onStandby?.(true);
        if (!announced) this.logger.info({ lock: this.lockName }, 'another instance is active; standing by');
        announced = true;
      } catch (err) {
        onStandby?.(false);
        await this.release();
        const classified = mariadbConnectionError(err, 'leader lock connection');
        if (needsOperator(classified)) throw classified;
        this.logger.warn({ err: (err as Error).message }, 'leader lock attempt failed');
        await sleep(1_000, signal).catch(() => undefined);
      }
    }
    throw new EpipeError('SHUTDOWN', 'stopped while waiting for the leader lock');
  }

  /** Resolves true while we still hold the lock; false when the server says otherwise. */
  async check(): Promise<boolean> {
    if (!this.conn || !this.held) return false;
    try {
      const [rows] = await this.conn.query('SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine', [
        this.lockName,
      ]);
      this.held = (rows as { mine: number | null }[])[0]?.mine === 1;
    } catch {
      this.held = false;
    }
    return this.held;
  }

  async release(): Promise<void> {
    this.held = false;
    const conn = this.conn;
    this.conn = undefined;
    if (!conn) return;
    try {
      await conn.query('SELECT RELEASE_LOCK(?)', [this.lockName]);
    } catch {
      // The connection is gone: the server has released the lock already.
    }
    await conn.end().catch(() => conn.destroy());
  }
}
