import type { AnyBinlogEvent, BinlogEventByName, BinlogEventName } from '@vlasky/zongji';
import type { TransactionAssembler } from './assembler';

/**
 * Maps zongji's events onto transaction boundaries and log rows. Everything else (DDL, other
 * tables, updates and epipe's own deletes on the log table, event types added by future servers)
 * is ignored rather than fatal, so no statement on the server can stop the stream.
 *
 * MariaDB (with the GTID capability zongji announces) opens every group with a GTID event and
 * closes a transactional one with an XID event, a non-transactional one with a COMMIT query;
 * standalone groups such as DDL have no closing marker. A group ending in a ROLLBACK query is one
 * whose non-transactional changes survived a rollback: its InnoDB rows (the log table's) did not.
 * MySQL sends GTID (or anonymous GTID), then a BEGIN query.
 */
export class BinlogEventRouter {
  /** Binlog file of the events being read: from the rotate events (one is sent at dump start). */
  file: string;

  constructor(
    private readonly table: { database: string; logTable: string },
    private readonly assembler: TransactionAssembler,
    startFile: string,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.file = startFile;
  }

  handle(event: AnyBinlogEvent): void {
    const name = event.getEventName();
    switch (name) {
      case 'rotate':
        this.file = as(event, 'rotate').binlogName;
        return;
      case 'mariadbgtid': {
        const gtid = as(event, 'mariadbgtid');
        if (gtid.preparedXa) {
          // Rows of an XA PREPARE are not committed yet; the recovery scan delivers them later.
          this.warn(`XA transaction ${gtid.gtid}: its log rows are left for the next recovery scan`);
        }
        this.assembler.begin(gtid.gtid, { ignore: gtid.preparedXa });
        return;
      }
      case 'gtid':
        this.assembler.begin(as(event, 'gtid').gtid);
        return;
      case 'anonymousgtid':
        this.assembler.begin();
        return;
      case 'query':
        this.query(as(event, 'query'));
        return;
      case 'xid':
        this.assembler.commit(this.file, event.nextPosition);
        return;
      case 'xaprepare':
        this.assembler.reset();
        return;
      case 'writerows': {
        const rows = as(event, 'writerows');
        const entry = rows.tableMap[rows.tableId];
        if (entry?.parentSchema === this.table.database && entry.tableName === this.table.logTable) {
          this.assembler.rows(rows.rows);
        }
        return;
      }
      default:
        return;
    }
  }

  private query(event: BinlogEventByName<'query'>): void {
    const statement = event.query.trim().toUpperCase();
    if (statement === 'BEGIN') this.assembler.begin();
    else if (statement === 'COMMIT') this.assembler.commit(this.file, event.nextPosition);
    else if (statement === 'ROLLBACK') this.assembler.rollback();
  }
}

function as<N extends BinlogEventName>(event: AnyBinlogEvent, _name: N): BinlogEventByName<N> {
  return event as BinlogEventByName<N>;
}
