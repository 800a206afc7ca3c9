import type { Pool } from 'mysql2/promise';

export interface LogBacklog {
  /** Rows in the log table: exactly the ones not yet acknowledged by every sink. */
  rows: number;
  /** Writer commit time (ms) of the oldest of them, null when the table is empty. */
  oldestCommitMs: number | null;
}

/**
 * Counts the log table. COUNT(*) reads an index of the whole table, so callers poll it every
 * few seconds, not per batch; the oldest row is the lowest log id (one primary-key lookup).
 * `table` must be a validated identifier (the config checks it).
 */
export async function readLogBacklog(
  pool: Pick<Pool, 'query'>,
  table: string,
  timeoutMs = 10_000,
): Promise<LogBacklog> {
  const [counted] = await pool.query({ sql: `SELECT COUNT(*) AS n FROM ${table}`, timeout: timeoutMs });
  const [oldest] = await pool.query({
    sql: `SELECT commit_ts_ms AS ts FROM ${table} ORDER BY log_id LIMIT 1`,
    timeout: timeoutMs,
  });
  const n = Number((counted as { n: number | string }[])[0]?.n ?? 0);
  const ts = (oldest as { ts: number | string }[])[0]?.ts;
  return { rows: n, oldestCommitMs: ts === undefined ? null : Number(ts) };
}
