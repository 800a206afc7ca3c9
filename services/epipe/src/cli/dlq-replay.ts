import { LOG_COLUMNS, Operation, type OperationName } from '@epipe/core';
import type { DeadLetterRecordValue } from '@epipe/sink-kafka';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

/** The fs_log columns a replay writes: every column of the letter's row but its log id. */
export type ReplayColumns = Record<Exclude<(typeof LOG_COLUMNS)[number], 'log_id'>, unknown>;

/**
 * The row a letter carried, as fs_log columns. Letters carry what the failing stage had:
 * - parse: the raw row with the table's column names (Buffers as { type: 'Buffer', base64 });
 * - enrich and kafka: the file event (camelCase, ids of project/dataset/user, the operation's name);
 * - elasticsearch: the refused document change, not the row; the index is state, so the fix is
 *   `epipe reindex`, which rebuilds it from the database once the cause is fixed.
 */
export function replayColumns(letter: DeadLetterRecordValue): ReplayColumns | { cannot: string } {
  const row = letter.row as Record<string, unknown> | null;
  if (row === null || typeof row !== 'object')
    return { cannot: 'the letter carries no row (it was too large for the topic)' };
  if (letter.stage === 'elasticsearch')
    return {
      cannot:
        'the search index refused a document, the row itself was delivered; fix the cause, then run epipe reindex',
    };
  if (letter.stage === 'parse') {
    const out: Record<string, unknown> = {};
    for (const column of LOG_COLUMNS) {
      if (column === 'log_id') continue;
      if (!(column in row)) return { cannot: `the row has no column ${column}` };
      out[column] = fromJson(row[column]);
    }
    return out as ReplayColumns;
  }
  const ref = (v: unknown): unknown => (v && typeof v === 'object' ? (v as { id?: unknown }).id : null);
  const app = row.app as { appId?: unknown } | null;
  const operation = Operation[row.operation as OperationName];
  if (operation === undefined) return { cannot: `unknown operation ${JSON.stringify(row.operation)}` };
  return {
    inode_id: row.inodeId,
    parent_id: row.parentId,
    inode_name: row.name,
    is_dir: row.isDir ? 1 : 0,
    project_id: ref(row.project) ?? null,
    dataset_id: ref(row.dataset) ?? null,
    operation,
    logical_time: row.logicalTime,
    app_id: app?.appId ?? null,
    user_id: ref(row.user),
    xattr_name: row.xattrName ?? null,
    commit_ts_ms: row.commitTsMs,
  };
}

function fromJson(value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
    const b = value as { base64?: string; data?: number[] };
    return b.base64 !== undefined ? Buffer.from(b.base64, 'base64') : Buffer.from(b.data ?? []);
  }
  return value;
}

export const REPLAY_TABLE = 'epipe_dlq_replays';

export type ReplayOutcome =
  | { logId: number; kind: 'replayed'; newLogId: number }
  | { logId: number; kind: 'already'; newLogId: number; atMs: number }
  | { logId: number; kind: 'cannot'; reason: string };

/**
 * Inserts the letter's row into the log table again, with a new log id, so the daemon processes
 * it like any write. Idempotent: the replay and a marker keyed by (source, dead log id) commit in
 * one transaction, and a second replay of the same letter finds the marker and writes nothing.
 * The marker table lives beside the log table; the account needs INSERT on both (and CREATE once),
 * which the daemon's own account does not have: run replays as an operator.
 */
export async function replayLetter(
  pool: Pool,
  logTable: string,
  letter: DeadLetterRecordValue,
): Promise<ReplayOutcome> {
  const logId = letter.logId ?? -1;
  const columns = replayColumns(letter);
  if ('cannot' in columns) return { logId, kind: 'cannot', reason: columns.cannot };
  const conn = await pool.getConnection();
  try {
    await conn.query(
      `CREATE TABLE IF NOT EXISTS ${REPLAY_TABLE} (
         source VARCHAR(191) NOT NULL, log_id BIGINT NOT NULL, new_log_id BIGINT NOT NULL,
         replayed_at_ms BIGINT NOT NULL, PRIMARY KEY (source, log_id)
       ) ENGINE=InnoDB`,
    );
    await conn.beginTransaction();
    // Locks the marker's key (gap lock when absent): two concurrent replays of one letter serialize.
    const [done] = await conn.query<RowDataPacket[]>(
      `SELECT new_log_id, replayed_at_ms FROM ${REPLAY_TABLE} WHERE source = ? AND log_id = ? FOR UPDATE`,
      [letter.source, logId],
    );
    if (done.length > 0) {
      await conn.rollback();
      return {
        logId,
        kind: 'already',
        newLogId: Number(done[0]!.new_log_id),
        atMs: Number(done[0]!.replayed_at_ms),
      };
    }
    const names = Object.keys(columns);
    const [inserted] = await conn.query<ResultSetHeader>(
      `INSERT INTO \`${logTable}\` (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
      names.map((n) => columns[n as keyof ReplayColumns]),
    );
    await conn.query(
      `INSERT INTO ${REPLAY_TABLE} (source, log_id, new_log_id, replayed_at_ms) VALUES (?, ?, ?, ?)`,
      [letter.source, logId, inserted.insertId, Date.now()],
    );
    await conn.commit();
    return { logId, kind: 'replayed', newLogId: inserted.insertId };
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}
