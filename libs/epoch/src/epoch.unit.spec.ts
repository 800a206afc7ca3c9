import type { Batch, LogRow } from '@epipe/core';
import type { EpochConfig } from './config';
import { EpochBuilder, type ChunkLike } from './epoch-builder';
import { reorderByInode } from './reorder';
import { makeRow, prng, shuffle } from './testing';

const config: EpochConfig = {
  maxEpochMs: 50,
  maxBusyEpochMs: 400,
  maxEpochRows: 100,
  maxEpochBytes: 1e9,
  maxBatchRows: 250,
  maxBatchBytes: 1e9,
};

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function tx(rows: LogRow[], final = true): ChunkLike {
  return { rows, poison: [], final, bytes: rows.length * 100 };
}

/** Random workload: transactions of 1..maxTx rows over `inodes` inodes, versions per inode increasing. */
function workload(seed: number, transactions: number, maxTx: number, inodes: number): LogRow[][] {
  const random = prng(seed);
  const version = new Map<number, number>();
  let logId = 0;
  const out: LogRow[][] = [];
  for (let t = 0; t < transactions; t++) {
    const size = 1 + Math.floor(random() * maxTx);
    const rows: LogRow[] = [];
    for (let i = 0; i < size; i++) {
      const inodeId = 1 + Math.floor(random() * inodes);
      const lt = (version.get(inodeId) ?? 0) + 1;
      version.set(inodeId, lt);
      rows.push(makeRow({ logId: ++logId, inodeId, logicalTime: lt }));
    }
    out.push(rows);
  }
  return out;
}

function runAll(builder: EpochBuilder, txs: ChunkLike[], c: ReturnType<typeof clock>): Batch[] {
  const out: Batch[] = [];
  for (const t of txs) {
    out.push(...builder.add(t));
    c.advance(7);
    out.push(...builder.tick());
  }
  c.advance(1000);
  out.push(...builder.tick());
  return out;
}

describe('EpochBuilder', () => {
  it('P1: epochs are strictly increasing and parts of one epoch are consecutive', () => {
    const c = clock();
    const batches = runAll(
      new EpochBuilder(config, c.now),
      workload(1, 500, 30, 50).map((r) => tx(r)),
      c,
    );
    expect(batches.length).toBeGreaterThan(10);
    for (let i = 1; i < batches.length; i++) {
      const [prev, cur] = [batches[i - 1]!, batches[i]!];
      if (prev.last) {
        expect(cur.epoch).toBe(prev.epoch + 1);
        expect(cur.part).toBe(0);
      } else {
        expect(cur.epoch).toBe(prev.epoch);
        expect(cur.part).toBe(prev.part + 1);
      }
    }
  });

  it('P2: every row of a transaction lands in one epoch, also when it is streamed in chunks', () => {
    const c = clock();
    const builder = new EpochBuilder(config, c.now);
    const txs = workload(2, 300, 60, 40);
    const epochOf = new Map<number, number>();
    const batches: Batch[] = [];
    for (const rows of txs) {
      // Stream each transaction in chunks of 7 rows, as the source does for big ones.
      for (let i = 0; i < rows.length; i += 7) {
        const part = rows.slice(i, i + 7);
        batches.push(...builder.add(tx(part, i + 7 >= rows.length)));
        c.advance(20);
        batches.push(...builder.tick());
      }
    }
    c.advance(1000);
    batches.push(...builder.tick());
    for (const b of batches) for (const r of b.rows) epochOf.set(r.logId, b.epoch);
    for (const rows of txs) {
      const epochs = new Set(rows.map((r) => epochOf.get(r.logId)));
      expect(epochs.size).toBe(1);
    }
    expect(epochOf.size).toBe(txs.flat().length);
  });

  it('cuts one giant transaction into bounded batches of a single epoch', () => {
    const c = clock();
    const builder = new EpochBuilder(config, c.now);
    const rows = Array.from({ length: 1_000 }, (_, i) => makeRow({ logId: i + 1, inodeId: i + 1 }));
    const batches: Batch[] = [];
    for (let i = 0; i < rows.length; i += 50) {
      batches.push(...builder.add(tx(rows.slice(i, i + 50), i + 50 >= rows.length)));
      c.advance(100); // time budget long spent: still must not close mid-transaction
      // An empty epoch closed by the timer after the transaction is not part of it.
      if (i + 50 < rows.length) batches.push(...builder.tick());
    }
    expect(new Set(batches.map((b) => b.epoch)).size).toBe(1);
    expect(batches.every((b) => b.rows.length <= config.maxBatchRows)).toBe(true);
    expect(batches.filter((b) => b.last)).toHaveLength(1);
    expect(batches.at(-1)!.last).toBe(true);
    expect(batches.flatMap((b) => b.rows.map((r) => r.logId))).toEqual(rows.map((r) => r.logId));
  });

  it('closes empty epochs when idle, so progress stays visible', () => {
    const c = clock();
    const builder = new EpochBuilder(config, c.now);
    expect(builder.tick()).toEqual([]);
    c.advance(60);
    const [first] = builder.tick();
    c.advance(60);
    const [second] = builder.tick();
    expect(first!.rows).toEqual([]);
    expect(second!.epoch).toBe(first!.epoch + 1);
  });

  it('does not close on time while a transaction is half read', () => {
    const c = clock();
    const builder = new EpochBuilder(config, c.now);
    builder.add(tx([makeRow({ logId: 1, inodeId: 1 })], false));
    c.advance(500);
    expect(builder.tick()).toEqual([]);
    builder.add(tx([makeRow({ logId: 2, inodeId: 1, logicalTime: 2 })], true));
    expect(builder.tick()[0]!.rows.map((r) => r.logId)).toEqual([1, 2]);
  });

  it('epoch ids keep increasing across restarts (they start from the clock)', () => {
    const first = new EpochBuilder(config, () => 1_000);
    const second = new EpochBuilder(config, () => 1_001);
    expect(second.currentEpoch).toBeGreaterThan(first.currentEpoch + 500);
  });
});

describe('reorderByInode (P4/P5)', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'orders each inode by logical_time whatever the arrival order (seed %i)',
    (seed) => {
      const rows = workload(seed, 200, 20, 15).flat();
      const shuffled = shuffle(rows, prng(seed * 31));
      const out = reorderByInode(shuffled);
      expect(out).toHaveLength(rows.length);
      expect(new Set(out.map((r) => r.logId)).size).toBe(rows.length);
      const last = new Map<number, LogRow>();
      for (const r of out) {
        const prev = last.get(r.inodeId);
        if (prev) {
          expect(
            r.logicalTime > prev.logicalTime || (r.logicalTime === prev.logicalTime && r.logId > prev.logId),
          ).toBe(true);
        }
        last.set(r.inodeId, r);
      }
    },
  );

  it('breaks ties on logical_time by log id (reads log the current version)', () => {
    const rows = [
      makeRow({ logId: 9, inodeId: 1, logicalTime: 3, operation: 'ACCESS' }),
      makeRow({ logId: 4, inodeId: 1, logicalTime: 3, operation: 'APPEND' }),
      makeRow({ logId: 2, inodeId: 1, logicalTime: 2 }),
    ];
    expect(reorderByInode(rows).map((r) => r.logId)).toEqual([2, 4, 9]);
  });

  it('keeps the interleaving of different inodes (P3 promises nothing, but commit order is kept)', () => {
    const rows = [
      makeRow({ logId: 1, inodeId: 10, logicalTime: 2 }),
      makeRow({ logId: 2, inodeId: 20, logicalTime: 1 }),
      makeRow({ logId: 3, inodeId: 10, logicalTime: 1 }),
      makeRow({ logId: 4, inodeId: 30, logicalTime: 1 }),
    ];
    expect(reorderByInode(rows).map((r) => [r.inodeId, r.logicalTime])).toEqual([
      [10, 1],
      [20, 1],
      [10, 2],
      [30, 1],
    ]);
  });

  it('while the pipeline is busy, holds the epoch open up to maxBusyEpochMs; its size budget still closes it', () => {
    const c = clock();
    const builder = new EpochBuilder(config, c.now);
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => makeRow({ logId: from + i, inodeId: from + i, logicalTime: 1 }));
    builder.add(tx(rows(1, 3)));
    c.advance(60);
    expect(builder.tick(false, true)).toEqual([]);
    expect([...builder.openLogIds()]).toEqual([1, 2, 3]);
    builder.add(tx(rows(4, 3)));
    c.advance(300);
    expect(builder.tick(false, true)).toEqual([]);
    // The queue drained: the ordinary budget (long spent) closes it, with every held row.
    const [held] = builder.tick(false, false);
    expect(held!.rows.map((r) => r.logId)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...builder.openLogIds()]).toEqual([]);
    // Busy for longer than maxBusyEpochMs: it closes anyway.
    builder.add(tx(rows(7, 1)));
    c.advance(399);
    expect(builder.tick(false, true)).toEqual([]);
    c.advance(1);
    expect(builder.tick(false, true)).toHaveLength(1);
    // The size budget closes a held epoch at once.
    const closed = builder.add(tx(rows(100, config.maxEpochRows)));
    expect(closed).toHaveLength(1);
  });

  it('never holds when maxBusyEpochMs is at most maxEpochMs', () => {
    const c = clock();
    const builder = new EpochBuilder({ ...config, maxBusyEpochMs: 10 }, c.now);
    builder.add(tx([makeRow({ logId: 1, inodeId: 1, logicalTime: 1 })]));
    c.advance(50);
    expect(builder.tick(false, true)).toHaveLength(1);
  });
});
