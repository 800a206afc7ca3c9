import type { AnyBinlogEvent } from '@vlasky/zongji';
import { TransactionAssembler } from './assembler';
import type { TransactionChunk } from './chunk';
import { BinlogEventRouter } from './event-router';
import { rawRow } from './testing/rows';

/** Hand-made events shaped like zongji's (only the fields the router reads). */
function ev(name: string, fields: Record<string, unknown> = {}): AnyBinlogEvent {
  return { getEventName: () => name, nextPosition: 0, ...fields } as unknown as AnyBinlogEvent;
}
const tableMap = {
  7: { parentSchema: 'meta', tableName: 'fs_log', columnSchemas: [] },
  8: { parentSchema: 'meta', tableName: 'inodes', columnSchemas: [] },
  9: { parentSchema: 'other', tableName: 'fs_log', columnSchemas: [] },
};
const gtid = (seq: number, more: Record<string, unknown> = {}) =>
  ev('mariadbgtid', { gtid: `0-1-${seq}`, preparedXa: false, standalone: false, ...more });
const write = (tableId: number, ...ids: number[]) =>
  ev('writerows', { tableId, tableMap, rows: ids.map((id) => rawRow(id)) });

function route(events: AnyBinlogEvent[]) {
  const chunks: TransactionChunk[] = [];
  const assembler = new TransactionAssembler({ chunkMaxRows: 100, chunkMaxBytes: 1 << 30 }, (c) =>
    chunks.push(c),
  );
  const router = new BinlogEventRouter({ database: 'meta', logTable: 'fs_log' }, assembler, 'bin.000001');
  for (const event of events) router.handle(event);
  return chunks.map((c) => ({
    ids: c.rows.map((r) => r.logId),
    final: c.final,
    position: c.position?.toString(),
  }));
}

describe('BinlogEventRouter', () => {
  it('builds MariaDB transactions: GTID, rows of the log table only, XID with the rotated file', () => {
    expect(
      route([
        ev('rotate', { binlogName: 'bin.000002', position: 4 }),
        gtid(10),
        write(7, 1, 2),
        write(8, 100),
        write(9, 200),
        ev('deleterows', { tableId: 7, tableMap, rows: [rawRow(1)] }),
        ev('updaterows', { tableId: 7, tableMap, rows: [] }),
        write(7, 3),
        ev('xid', { nextPosition: 900 }),
      ]),
    ).toEqual([{ ids: [1, 2, 3], final: true, position: 'bin.000002:900@0-1-10' }]);
  });

  it('ignores DDL, other statements, unknown events, and transactions without log rows', () => {
    expect(
      route([
        gtid(1, { standalone: true }),
        ev('query', { query: 'ALTER TABLE inodes ADD COLUMN x INT', nextPosition: 50 }),
        ev('unknown'),
        ev('heartbeat', { binlogName: 'bin.000001' }),
        gtid(2),
        write(8, 5),
        ev('xid', { nextPosition: 80 }),
        gtid(3),
        write(7, 6),
        ev('xid', { nextPosition: 120 }),
      ]),
    ).toEqual([{ ids: [6], final: true, position: 'bin.000001:120@0-1-3' }]);
  });

  it('closes a non-transactional group on its COMMIT query and drops a ROLLBACK group', () => {
    expect(
      route([
        gtid(4),
        write(7, 1),
        ev('query', { query: 'COMMIT', nextPosition: 300 }),
        gtid(5),
        write(7, 2),
        ev('query', { query: ' ROLLBACK ', nextPosition: 400 }),
      ]),
    ).toEqual([{ ids: [1], final: true, position: 'bin.000001:300@0-1-4' }]);
  });

  it('handles MySQL: GTID, BEGIN query, rows, XID', () => {
    expect(
      route([
        ev('gtid', { gtid: 'uuid:7' }),
        ev('query', { query: 'BEGIN' }),
        write(7, 1),
        ev('xid', { nextPosition: 10 }),
        ev('anonymousgtid'),
        ev('query', { query: 'BEGIN' }),
        write(7, 2),
        ev('xid', { nextPosition: 20 }),
      ]),
    ).toEqual([
      { ids: [1], final: true, position: 'bin.000001:10@uuid:7' },
      { ids: [2], final: true, position: 'bin.000001:20' },
    ]);
  });

  it('leaves XA PREPARE rows to the recovery scan', () => {
    expect(
      route([
        gtid(6, { preparedXa: true }),
        write(7, 1),
        ev('xaprepare'),
        gtid(7, { completedXa: true, standalone: true }),
        ev('query', { query: "XA COMMIT X'01',X'',1" }),
        gtid(8),
        write(7, 2),
        ev('xid', { nextPosition: 99 }),
      ]),
    ).toEqual([{ ids: [2], final: true, position: 'bin.000001:99@0-1-8' }]);
  });
});
