import { BinlogPosition, EpipeError, type RawLogRow } from '@epipe/core';
import { chunkOf, type TransactionChunk } from './chunk';
import type { SourceConfig } from './config';
import type { SourceConnection } from './db';
import { SCANNED_COLUMNS } from './server-check';

/*
 * Why a consistent snapshot, and why that is enough to never need a stored binlog position:
 *
 * The log table holds exactly the rows no sink has acknowledged yet. MariaDB's
 * START TRANSACTION WITH CONSISTENT SNAPSHOT fixes an InnoDB read view and, in the same instant,
 * the binlog coordinates of that view (the session status binlog_snapshot_file/_position): every
 * transaction committed before the view is in the binlog before those coordinates, every later one
 * after them, because MariaDB commits to InnoDB and the binlog in one group-commit order.
 * Inside the snapshot epipe reads only the coordinates and the highest log id it sees, then ends
 * the transaction at once: every row committed before the coordinates has a log id up to that one
 * and stays in the table until epipe itself deletes it, so paging the table up to it afterwards,
 * statement by statement, reads all of them. Holding the snapshot while the pages are worked on
 * would hold a metadata lock on the log table for as long as the pipeline is backed up, and an
 * ALTER TABLE (or OPTIMIZE) waiting for that lock blocks every writer behind it. A transaction
 * committed after the coordinates but with a lower log id can be read by a page and again by the
 * binlog tail: a duplicate, which the sinks and subscribers absorb (at least once), never a gap.
 * The coordinates are always in the current binlog file, so purged older files are never needed;
 * after any failure the caller simply redoes the whole thing.
 */
export interface Snapshot {
  position: BinlogPosition;
  /** @@gtid_binlog_pos near the snapshot, for the log only: the global value is not snapshotted. */
  gtidBinlogPos: string;
  /** The highest log id committed before the coordinates; null when the table was empty. */
  maxLogId: number | string | null;
}

export async function openSnapshot(
  db: SourceConnection,
  config: Pick<SourceConfig, 'database' | 'logTable'>,
): Promise<Snapshot> {
  await db.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await db.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  try {
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
    const [maxRow] = await db.query(
      `SELECT MAX(log_id) AS max_id FROM ${quoteId(config.database)}.${quoteId(config.logTable)}`,
    );
    const [gtidRow] = await db.query('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
    const gtidBinlogPos = typeof gtidRow?.pos === 'string' ? gtidRow.pos : '';
    const maxLogId = (maxRow?.max_id ?? null) as number | string | null;
    return { position: new BinlogPosition(file, offset), gtidBinlogPos, maxLogId };
  } finally {
    await db.query('COMMIT');
  }
}

/**
 * Keyset pages of the log table up to the snapshot's highest log id, each one chunk, each read
 * by a statement of its own (no transaction stays open while the consumer works on a page).
 *
 * Concurrent writers interleave their log ids, so a page can end inside a transaction. A page
 * after which a transaction it holds still has rows is not final: the epoch stage then keeps
 * it and the next pages in one epoch, until a page leaves no transaction open (P2). Rows
 * without a transaction id are transactions of their own.
 */
export async function* scanLogTable(
  db: SourceConnection,
  config: Pick<SourceConfig, 'database' | 'logTable' | 'scanPageRows'>,
  upTo: number | string | null,
  signal: AbortSignal,
): AsyncGenerator<TransactionChunk> {
  if (upTo === null) return;
  const table = `${quoteId(config.database)}.${quoteId(config.logTable)}`;
  const sql =
    `SELECT ${SCANNED_COLUMNS.map((c) => `\`${c}\``).join(', ')} ` +
    `FROM ${table} WHERE log_id > ? AND log_id <= ? ORDER BY log_id LIMIT ?`;
  let after: number | string = -1;
  let open = new Set<string>();
  while (!signal.aborted) {
    const rows = (await db.query(sql, [after, upTo, config.scanPageRows])) as RawLogRow[];
    if (rows.length === 0) {
      // Only reached when the last page left transactions open whose other rows are gone
      // (epipe deletes only acknowledged rows, so only after a transaction id clash): end them.
      if (open.size > 0) yield chunkOf([], 'scan', true);
      return;
    }
    // The raw id, not a parsed one: a poison row must not stop the keyset from moving on.
    after = rows[rows.length - 1]!.log_id as number | string;
    for (const r of rows) {
      const txId = r.tx_id;
      if (typeof txId === 'number' || typeof txId === 'string' || typeof txId === 'bigint')
        open.add(String(txId));
    }
    open = open.size > 0 ? await stillOpen(db, table, open, after, upTo) : open;
    const last = rows.length < config.scanPageRows;
    yield chunkOf(rows, 'scan', open.size === 0 || last);
    if (last) return;
  }
}

/**
 * The transactions among `txIds` with rows after `after` that the scan will read. Rows above
 * `upTo` are not waited for: their transaction committed after the snapshot, so the binlog tail
 * delivers it whole.
 */
async function stillOpen(
  db: SourceConnection,
  table: string,
  txIds: Set<string>,
  after: number | string,
  upTo: number | string,
): Promise<Set<string>> {
  const ids = [...txIds];
  const rows = await db.query(
    `SELECT DISTINCT tx_id FROM ${table} WHERE tx_id IN (${ids.map(() => '?').join(',')}) AND log_id > ? AND log_id <= ?`,
    [...ids, after, upTo],
  );
  return new Set(rows.map((r) => String(r.tx_id)));
}

export function quoteId(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
