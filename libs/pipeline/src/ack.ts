import { EpipeError } from '@epipe/core';
import type { Pool } from 'mysql2/promise';
import type { AckConfig } from './config';

export interface LogAcknowledger {
  /** Deletes these log rows in one transaction. Rows already gone are fine (replays). */
  deleteRows(logIds: readonly number[]): Promise<number>;
}

const IDS_PER_STATEMENT = 5_000;

/**
 * Deletes acknowledged rows from the log table. One transaction per batch keeps the queue's
 * state simple to reason about: after a crash, either all of a batch's rows are there or none.
 * The pool's user needs DELETE on the log table only.
 */
export function createLogAcknowledger(config: AckConfig, deps: { pool: Pool }): LogAcknowledger {
  if (!/^[A-Za-z0-9_]+$/.test(config.logTable))
    throw new EpipeError('CONFIG_INVALID', `log table name ${JSON.stringify(config.logTable)}`);
  return new SqlLogAcknowledger(deps.pool, config.logTable);
}

class SqlLogAcknowledger implements LogAcknowledger {
  constructor(
    private readonly pool: Pool,
    private readonly table: string,
  ) {}

  async deleteRows(logIds: readonly number[]): Promise<number> {
    if (logIds.length === 0) return 0;
    const conn = await this.pool.getConnection();
    try {
      await conn.beginTransaction();
      let deleted = 0;
      for (let i = 0; i < logIds.length; i += IDS_PER_STATEMENT) {
        const [result] = await conn.query(`DELETE FROM ${this.table} WHERE log_id IN (?)`, [
          logIds.slice(i, i + IDS_PER_STATEMENT),
        ]);
        deleted += (result as { affectedRows: number }).affectedRows;
      }
      await conn.commit();
      return deleted;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw new EpipeError('ACK_FAILED', `deleting ${logIds.length} acknowledged log rows failed`, {
        retriable: true,
        cause: err,
      });
    } finally {
      conn.release();
    }
  }
}
