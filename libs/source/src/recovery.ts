import { BinlogPosition, EpipeError, LOG_COLUMNS, type RawLogRow } from '@epipe/core';
import { chunkOf, type TransactionChunk } from './chunk';
import type { SourceConfig } from './config';
import type { SourceConnection } from './db';

/*
 * Why a consistent snapshot, and why that is enough to never need a stored binlog position:
 *
 * The log table holds exactly the rows no sink has acknowledged yet. MariaDB's
 * START TRANSACTION WITH CONSISTENT SNAPSHOT fixes an InnoDB read view and, in the same instant,
 * the binlog coordinates of that view (the session status binlog_snapshot_file/_position): every
 * transaction committed before the view is in the binlog before those coordinates, every later one
 * after them, because MariaDB commits to InnoDB and the binlog in one group-commit order.
 * So scanning the table inside the snapshot and then tailing the binlog from exactly those
 * coordinates sees every committed log row once: no gap (a commit racing the start-up lands after
 * the coordinates) and no overlap (nothing before them is replayed). The coordinates are always in
 * the current binlog file, so purged older files are never needed; after any failure the caller
 * simply redoes the whole thing.
 */
export interface Snapshot {
  position: BinlogPosition;
  /** @@gtid_binlog_pos near the snapshot, for the log only: the global value is not snapshotted. */
  gtidBinlogPos: string;
}

export async function openSnapshot(db: SourceConnection): Promise<Snapshot> {
  await db.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await db.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  const status = await db.query("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'");
  const value = (name: string): string | undefined =>
    status.find((row) => String(row.Variable_name).toLowerCase() === name)?.Value as string | undefined;
  const file = value('binlog_snapshot_file');
  const offset = Number(value('binlog_snapshot_position'));
  if (!file || !Number.isSafeInteger(offset) || offset < 4) {
    throw new EpipeError(
      'SERVER_MISCONFIGURED',
      'the server reports no binlog_snapshot_file/binlog_snapshot_position (MariaDB with log_bin is required)',
    );
  }
  const [gtidRow] = await db.query('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
  const gtidBinlogPos = typeof gtidRow?.pos === 'string' ? gtidRow.pos : '';
  return { position: new BinlogPosition(file, offset), gtidBinlogPos };
}

/**
 * Keyset pages of the log table as of the snapshot, each one chunk. The snapshot stays open while
 * the consumer works on a page, which holds back InnoDB purge for that long; pages are bounded so
 * memory is too.
 */
export async function* scanLogTable(
  db: SourceConnection,
  config: Pick<SourceConfig, 'database' | 'logTable' | 'scanPageRows'>,
  signal: AbortSignal,
): AsyncGenerator<TransactionChunk> {
  const sql =
    `SELECT ${LOG_COLUMNS.map((c) => `\`${c}\``).join(', ')} ` +
    `FROM ${quoteId(config.database)}.${quoteId(config.logTable)} ` +
    'WHERE log_id > ? ORDER BY log_id LIMIT ?';
  let after: number | string = -1;
  while (!signal.aborted) {
    const rows = (await db.query(sql, [after, config.scanPageRows])) as RawLogRow[];
    if (rows.length === 0) return;
    // The raw id, not a parsed one: a poison row must not stop the keyset from moving on.
    after = rows[rows.length - 1]!.log_id as number | string;
    yield chunkOf(rows, 'scan');
    if (rows.length < config.scanPageRows) return;
  }
}

export function quoteId(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
