import { TransactionAssembler } from './assembler';
import type { TransactionChunk } from './chunk';
import { rawRow } from './testing/rows';

function setup(limits = { chunkMaxRows: 1000, chunkMaxBytes: 1 << 30 }) {
  const chunks: TransactionChunk[] = [];
  const warnings: string[] = [];
  const assembler = new TransactionAssembler(
    limits,
    (c) => chunks.push(c),
    (w) => warnings.push(w),
  );
  return { assembler, chunks, warnings };
}

const ids = (chunk: TransactionChunk | undefined) => [
  ...(chunk?.rows.map((r) => r.logId) ?? []),
  ...(chunk?.poison.map((p) => p.logId) ?? []),
];

describe('TransactionAssembler', () => {
  it('emits one final chunk per transaction, with position and gtid, rows in order', () => {
    const { assembler, chunks } = setup();
    assembler.begin('0-1-10');
    assembler.rows([rawRow(1), rawRow(2)]);
    assembler.rows([rawRow(3)]);
    expect(chunks).toEqual([]);
    assembler.commit('bin.000002', 4321);
    expect(chunks).toHaveLength(1);
    expect(ids(chunks[0])).toEqual([1, 2, 3]);
    expect(chunks[0]).toMatchObject({ final: true, origin: 'binlog' });
    expect(chunks[0]!.position?.toString()).toBe('bin.000002:4321@0-1-10');
  });

  it('does not emit transactions without log rows, and forgets the gtid at commit', () => {
    const { assembler, chunks } = setup();
    assembler.begin('0-1-1');
    assembler.commit('f.1', 100);
    assembler.begin();
    assembler.rows([rawRow(1)]);
    assembler.commit('f.1', 200);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.position?.gtid).toBeUndefined();
  });

  it('keeps the GTID when MySQL sends BEGIN after the GTID event', () => {
    const { assembler, chunks } = setup();
    assembler.begin('uuid:5');
    assembler.begin();
    assembler.rows([rawRow(1)]);
    assembler.commit('f.1', 9);
    expect(chunks[0]!.position?.gtid).toBe('uuid:5');
  });

  it.each([
    [7, 1 << 30, 50],
    [1, 1 << 30, 5],
    [1000, 1000, 20],
    [3, 700, 64],
  ])(
    'splits a big transaction (maxRows %i, maxBytes %i, %i rows) without loss, only the last final',
    (maxRows, maxBytes, n) => {
      const { assembler, chunks } = setup({ chunkMaxRows: maxRows, chunkMaxBytes: maxBytes });
      assembler.begin('0-1-2');
      const all = Array.from({ length: n }, (_, i) => rawRow(i + 1, i % 9 === 4 ? { operation: 99 } : {}));
      // Rows arrive in row events of arbitrary sizes.
      for (let i = 0; i < n;) {
        const size = 1 + ((i * 7) % 5);
        assembler.rows(all.slice(i, i + size));
        i += size;
      }
      assembler.commit('f.3', 77);
      expect(
        chunks
          .flatMap((c) => [...c.rows.map((r) => r.logId), ...c.poison.map((p) => p.logId)])
          .sort((a, b) => a! - b!),
      ).toEqual(all.map((r) => r.log_id));
      expect(chunks.map((c) => c.final)).toEqual([...Array<boolean>(chunks.length - 1).fill(false), true]);
      expect(chunks.filter((c) => c.position).map((c) => c.position?.toString())).toEqual(['f.3:77@0-1-2']);
      for (const chunk of chunks) {
        expect(chunk.rows.length + chunk.poison.length).toBeLessThanOrEqual(maxRows);
        // A single row larger than the byte bound travels alone.
        if (chunk.rows.length + chunk.poison.length > 1) expect(chunk.bytes).toBeLessThanOrEqual(maxBytes);
      }
      if (maxRows < n) expect(chunks.length).toBeGreaterThan(1);
    },
  );

  it('delivers a group that ended without a commit marker when the next one begins', () => {
    const { assembler, chunks, warnings } = setup();
    assembler.begin('0-1-1');
    assembler.rows([rawRow(1)]);
    assembler.begin('0-1-2');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ final: true });
    expect(chunks[0]!.position).toBeUndefined();
    expect(warnings.join()).toMatch(/0-1-1 ended without a commit marker/);
  });

  it('drops a rolled back group, and demands a restart if part of it was already delivered', () => {
    const { assembler, chunks } = setup({ chunkMaxRows: 2, chunkMaxBytes: 1 << 30 });
    assembler.begin('0-1-1');
    assembler.rows([rawRow(1)]);
    assembler.rollback();
    assembler.begin('0-1-2');
    assembler.rows([rawRow(2), rawRow(3), rawRow(4)]);
    expect(chunks).toHaveLength(1);
    expect(catching(() => assembler.rollback())).toMatchObject({
      code: 'SOURCE_CONNECTION',
      retriable: true,
    });
    assembler.begin('0-1-3');
    assembler.commit('f', 1);
    expect(chunks).toHaveLength(1);
  });

  it('ignores the rows of a group it was told to ignore (XA PREPARE)', () => {
    const { assembler, chunks } = setup();
    assembler.begin('0-1-1', { ignore: true });
    assembler.rows([rawRow(1)]);
    assembler.reset();
    assembler.begin('0-1-2');
    assembler.rows([rawRow(2)]);
    assembler.commit('f', 5);
    expect(chunks.map(ids)).toEqual([[2]]);
  });
});

function catching(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
