import type { RowDataPacket } from 'mysql2/promise';
import { testEnv } from '../../../test/support/env';
import { SourceRun } from './testing/run';
import { useTestDatabase } from './testing/database';
import { gaugeValue, insertRows, sourceConfig, testSource } from './testing/setup';

// Start-up and the server's own pace, not epipe's speed, set these waits.
jest.setTimeout(120_000);

/** The live tail: what reaches the consumer for each kind of write, against the real server. */
describe('binlog tail', () => {
  const t = useTestDatabase('source_tail');
  let run: SourceRun;

  beforeEach(async () => {
    const { source, metrics } = testSource(
      sourceConfig(testEnv().mysql, t.db.database, { chunkMaxRows: 4_000 }),
    );
    run = new SourceRun(source);
    // Connected means the recovery scan is over: what is written from now on comes from the binlog.
    await waitUntil(async () => (await gaugeValue(metrics.sourceConnected)) === 1);
  });
  afterEach(async () => {
    await run.stop();
    await t.writer.query('DELETE FROM fs_log');
  });

  const binlogIds = () => run.ids('binlog');

  it('delivers an inserted row decoded, with the GTID and the binlog end of its transaction', async () => {
    const [[before0]] = await t.writer.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const [id] = await insertRows(t.writer, t.db.database, 1, { operation: 4 });
    const [[gtidRow]] = await t.writer.query<RowDataPacket[]>('SELECT @@last_gtid AS gtid');
    const before = before0!;
    const gtid = String(gtidRow!.gtid);
    await run.waitFor(() => binlogIds().includes(id!), 'the row');

    const chunk = run.chunks.find((c) => c.rows.some((r) => r.logId === id))!;
    expect(chunk).toMatchObject({ origin: 'binlog', final: true, poison: [] });
    expect(chunk.rows).toEqual([
      expect.objectContaining({ logId: id, operation: 'APPEND', name: 'f0', isDir: false, appId: null }),
    ]);
    expect(chunk.position?.gtid).toBe(gtid);
    // The position is the end of the transaction's XID event in the server's own binlog.
    const [events] = await t.writer.query<RowDataPacket[]>('SHOW BINLOG EVENTS IN ? FROM ? LIMIT 500', [
      before.File,
      before.Position,
    ]);
    const xid = events.findIndex((e) => e.Event_type === 'Xid' && e.End_log_pos === chunk.position?.offset);
    expect(chunk.position?.file).toBe(before.File);
    expect(xid).toBeGreaterThan(0);
    const begin = events
      .slice(0, xid)
      .reverse()
      .find((e) => e.Event_type === 'Gtid');
    expect(begin?.Info).toContain(`GTID ${gtid}`);
  });

  it('delivers a multi-statement transaction as one final chunk, rows in insert order', async () => {
    await t.writer.beginTransaction();
    const ids = [
      ...(await insertRows(t.writer, t.db.database, 3)),
      ...(await insertRows(t.writer, t.db.database, 1, { operation: 2 })),
      ...(await insertRows(t.writer, t.db.database, 2)),
    ];
    await t.writer.commit();
    await run.waitFor(() => binlogIds().length >= 6, 'six rows');
    expect(run.chunks).toHaveLength(1);
    expect(run.chunks[0]!.final).toBe(true);
    expect(binlogIds()).toEqual(ids);
  });

  it('never delivers a rolled back transaction, other tables, updates or deletes', async () => {
    await t.writer.beginTransaction();
    await insertRows(t.writer, t.db.database, 5);
    await t.writer.rollback();
    const [kept] = await insertRows(t.writer, t.db.database, 1);
    await t.writer.query("INSERT INTO fs_users (name) VALUES ('someone')");
    await t.writer.query('UPDATE fs_log SET logical_time = 2');
    await t.writer.query('DELETE FROM fs_log WHERE log_id = ?', [kept]);
    const [marker] = await insertRows(t.writer, t.db.database, 1);
    await run.waitFor(() => binlogIds().includes(marker!), 'the marker row');
    expect(binlogIds()).toEqual([kept, marker]);
  });

  it('turns an undecodable row into a poison row with a reason, and goes on', async () => {
    const [bad] = await insertRows(t.writer, t.db.database, 1, { operation: 99 });
    const [good] = await insertRows(t.writer, t.db.database, 1);
    await run.waitFor(() => binlogIds().includes(good!), 'the row after the poison row');
    expect(run.chunks[0]!.poison).toEqual([
      expect.objectContaining({ logId: bad, reason: 'unknown operation code 99' }),
    ]);
    expect(run.chunks[1]!.rows.map((r) => r.logId)).toEqual([good]);
  });

  it('follows a binlog rotation: positions name the new file', async () => {
    const [first] = await insertRows(t.writer, t.db.database, 1);
    await t.writer.query('FLUSH BINARY LOGS');
    const [[status]] = await t.writer.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const [second] = await insertRows(t.writer, t.db.database, 1);
    await run.waitFor(() => binlogIds().includes(second!), 'the row after the rotation');
    expect(binlogIds()).toEqual([first, second]);
    const [before, after] = run.chunks.map((c) => c.position!);
    expect(after!.file).toBe(status!.File);
    expect(before!.compare(after!)).toBeLessThan(0);
    expect(before!.file).not.toBe(after!.file);
  });

  it('splits a 50,000-row transaction into bounded chunks, only the last final, none lost', async () => {
    await t.writer.query(
      `INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, operation, logical_time, user_id, commit_ts_ms)
       SELECT seq, 1, CONCAT('bulk-', seq), 0, 1, 1, 1, 0 FROM seq_1_to_50000`,
    );
    await run.waitFor(() => run.chunks.some((c) => c.final), 'the final chunk', 120_000);
    const ids = binlogIds();
    expect(ids).toHaveLength(50_000);
    expect(new Set(ids).size).toBe(50_000);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(run.chunks.length).toBeGreaterThanOrEqual(13);
    expect(run.chunks.map((c) => c.final)).toEqual([
      ...Array<boolean>(run.chunks.length - 1).fill(false),
      true,
    ]);
    for (const chunk of run.chunks) expect(chunk.rows.length).toBeLessThanOrEqual(4_000);
    expect(run.chunks.filter((c) => c.position)).toHaveLength(1);
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
