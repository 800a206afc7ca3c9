import { createConnection, type Connection } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { testEnv } from '../../../test/support/env';
import { SourceRun } from './testing/run';
import { useTestDatabase } from './testing/database';
import { gaugeValue, insertRows, sourceConfig, testSource } from './testing/setup';

// Start-up and the server's own pace, not epipe's speed, set these waits.
jest.setTimeout(120_000);

/** Start-up: the snapshot scan and its hand-over to the tail, and backpressure. */
describe('recovery and hand-over', () => {
  const t = useTestDatabase('source_recovery');
  afterEach(async () => {
    await t.writer.query('DELETE FROM fs_log');
  });

  it('delivers rows present before start through the scan in pages, then new rows from the binlog', async () => {
    const before = await insertRows(t.writer, t.db.database, 250);
    await insertRows(t.writer, t.db.database, 1, { operation: 99 }).then((ids) => before.push(...ids));
    const { source, metrics } = testSource(
      sourceConfig(testEnv().mysql, t.db.database, { scanPageRows: 100 }),
    );
    const run = new SourceRun(source);
    try {
      await run.waitFor((r) => r.ids('scan').length === 251, 'the scan');
      const scanned = run.chunks.filter((c) => c.origin === 'scan');
      expect(scanned.map((c) => c.rows.length + c.poison.length)).toEqual([100, 100, 51]);
      expect(scanned.every((c) => c.final && !c.position)).toBe(true);
      expect(run.ids('scan')).toEqual(before);
      expect(scanned[2]!.poison[0]).toMatchObject({
        logId: before[250],
        reason: 'unknown operation code 99',
      });

      const after = await insertRows(t.writer, t.db.database, 3);
      await run.waitFor((r) => r.ids('binlog').length === 3, 'the tail');
      expect(run.ids('binlog')).toEqual(after);
      expect((await metrics.rowsRead.get()).values).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ labels: { origin: 'scan' }, value: 251 }),
          expect.objectContaining({ labels: { origin: 'binlog' }, value: 3 }),
        ]),
      );
    } finally {
      await run.stop();
    }
  });

  it('delivers every row exactly once across scan and tail while a writer commits during start-up', async () => {
    const written: number[] = [];
    let writing = true;
    const writerLoop = (async () => {
      for (let i = 0; writing; i++) {
        if (i % 3 === 0) {
          await t.writer.beginTransaction();
          written.push(...(await insertRows(t.writer, t.db.database, 2)));
          written.push(...(await insertRows(t.writer, t.db.database, 3)));
          await t.writer.commit();
        } else {
          written.push(...(await insertRows(t.writer, t.db.database, 1 + (i % 4))));
        }
      }
    })();
    const runs: SourceRun[] = [];
    try {
      // Several start-ups at different moments of the write stream, each checked on its own.
      for (let attempt = 0; attempt < 3; attempt++) {
        await new Promise((r) => setTimeout(r, 150));
        const { source, metrics } = testSource(
          sourceConfig(testEnv().mysql, t.db.database, { scanPageRows: 50 }),
        );
        const run = new SourceRun(source);
        runs.push(run);
        await waitUntil(async () => (await gaugeValue(metrics.sourceConnected)) === 1);
      }
      await new Promise((r) => setTimeout(r, 300));
      writing = false;
      await writerLoop;
      const last = written[written.length - 1]!;
      for (const run of runs) {
        await run.waitFor((r) => r.ids().includes(last), 'the last written row', 60_000);
        // Nothing is deleted here, so each run must see every row: the older ones in its scan.
        const ids = run.ids();
        expect(ids).toHaveLength(new Set(ids).size);
        expect([...ids].sort((a, b) => a - b)).toEqual(written);
        expect(run.ids('scan').length).toBeGreaterThan(0);
        expect(run.ids('binlog').length).toBeGreaterThan(0);
      }
    } finally {
      writing = false;
      await writerLoop;
      for (const run of runs) await run.stop();
    }
  });

  it('pauses the binlog socket for a slow consumer and still delivers everything', async () => {
    const config = sourceConfig(testEnv().mysql, t.db.database, { queueMaxBytes: 4_000, chunkMaxRows: 20 });
    const { source, metrics } = testSource(config);
    const paused = jest.spyOn(metrics.sourcePaused, 'set');
    const run = new SourceRun(source, { delayMs: 5 });
    try {
      await waitUntil(async () => (await gaugeValue(metrics.sourceConnected)) === 1);
      const written: number[] = [];
      for (let i = 0; i < 300; i++) written.push(...(await insertRows(t.writer, t.db.database, 1 + (i % 7))));
      await run.waitFor((r) => r.ids().length >= written.length, 'every row', 120_000);
      expect(run.ids()).toEqual(written);
      expect(paused).toHaveBeenCalledWith(1);
      expect(paused).toHaveBeenLastCalledWith(0);
    } finally {
      await run.stop();
    }
  });
});

describe('recovery keeps transactions whole and holds no lock while the consumer is slow', () => {
  let db: TestDatabase;
  const conns: Connection[] = [];
  const connect = async (): Promise<Connection> => {
    const c = await createConnection({ ...testEnv().mysql, database: db.database });
    conns.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await createTestDatabase('source_recovery_tx');
  });
  afterAll(async () => {
    for (const c of conns) await c.end();
    await db.drop();
  });

  const insert = (c: Connection, txId: number | null, n: number): Promise<unknown> =>
    c.query(
      'INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, operation, logical_time, user_id, commit_ts_ms, tx_id) VALUES ' +
        Array.from(
          { length: n },
          (_, i) => `(${100 + i}, 1, 'f${i}', 0, 1, 1, 1, 0, ${txId ?? 'NULL'})`,
        ).join(','),
    );

  it('never ends an epoch-closing page inside a transaction, interleaved or 3 rows long', async () => {
    const [a, b, c] = [await connect(), await connect(), await connect()];
    // Two transactions whose log ids interleave, then 3-row transactions and single rows.
    await a.beginTransaction();
    await b.beginTransaction();
    for (let i = 0; i < 3; i++) {
      await insert(a, 1, 1);
      await insert(b, 2, 1);
    }
    await a.commit();
    await b.commit();
    for (let tx = 3; tx < 9; tx++) {
      await c.beginTransaction();
      await insert(c, tx, 3);
      await c.commit();
      await insert(c, null, 1);
    }
    const expected = new Map<string, number>([
      ['1', 3],
      ['2', 3],
      ...Array.from({ length: 6 }, (_, i) => [String(i + 3), 3] as [string, number]),
    ]);
    const [[{ n }]] = (await c.query('SELECT COUNT(*) AS n FROM fs_log')) as unknown as [[{ n: number }]];
    const txOf = new Map<number, string | null>(
      (
        (await c.query('SELECT log_id, tx_id FROM fs_log')) as unknown as [
          { log_id: number; tx_id: number | null }[],
        ]
      )[0].map((r) => [Number(r.log_id), r.tx_id === null ? null : String(r.tx_id)]),
    );

    for (const pageRows of [2, 4, 5]) {
      const { source } = testSource(sourceConfig(testEnv().mysql, db.database, { scanPageRows: pageRows }));
      const run = new SourceRun(source);
      try {
        await run.waitFor((r) => r.ids('scan').length === Number(n), `the scan in pages of ${pageRows}`);
        // Rows of each transaction between two final pages (what one epoch at least holds).
        let group = new Map<string, number>();
        for (const chunk of run.chunks.filter((ch) => ch.origin === 'scan')) {
          for (const row of chunk.rows) {
            const tx = txOf.get(row.logId);
            if (tx) group.set(tx, (group.get(tx) ?? 0) + 1);
          }
          if (chunk.final) {
            for (const [tx, count] of group)
              expect({ pageRows, tx, count }).toEqual({ pageRows, tx, count: expected.get(tx) });
            group = new Map();
          }
        }
        expect(group.size).toBe(0);
        expect(run.chunks.filter((ch) => ch.origin === 'scan' && !ch.final).length).toBeGreaterThan(0);
      } finally {
        await run.stop();
      }
    }
  });

  it('lets an ALTER TABLE and the writers behind it through while the consumer of the scan is stalled', async () => {
    const [w, ddl] = [await connect(), await connect()];
    for (let i = 0; i < 10; i++) await insert(w, 1000 + i, 30);
    const { source } = testSource(sourceConfig(testEnv().mysql, db.database, { scanPageRows: 50 }));
    // The consumer takes a page every 12 s: as a pipeline waiting for its byte budget would.
    const run = new SourceRun(source, { delayMs: 12_000 });
    try {
      await run.waitFor((r) => r.ids('scan').length > 0, 'the first page');
      await ddl.query('SET SESSION lock_wait_timeout = 15');
      const started = Date.now();
      const altered = ddl.query('ALTER TABLE fs_log ADD COLUMN IF NOT EXISTS probe INT NULL').then(
        () => Date.now() - started,
        (err: unknown) => err,
      );
      await new Promise((r) => setTimeout(r, 200));
      await insert(w, 2000, 1);
      const writerMs = Date.now() - started;
      expect(await altered).toBeLessThan(10_000);
      expect(writerMs).toBeLessThan(10_000);
    } finally {
      await run.stop();
      await ddl.query('ALTER TABLE fs_log DROP COLUMN IF EXISTS probe');
    }
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
