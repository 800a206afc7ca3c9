import { estimateRowBytes, parseLogRow } from '@epipe/core';
import { chunkOf, parseRaw } from './chunk';
import { rawRow } from './testing/rows';

describe('parseRaw', () => {
  it('parses a good row and sizes it like the core estimate', () => {
    const parsed = parseRaw(rawRow(7));
    expect(parsed).toEqual({ row: parseLogRow(rawRow(7)), bytes: estimateRowBytes(parseLogRow(rawRow(7))) });
  });

  it.each([
    [{ operation: 99 }, /unknown operation code 99/, 5],
    [{ inode_name: null }, /column inode_name/, 5],
    [{ log_id: '9007199254740993' }, /column log_id/, undefined],
    [{ is_dir: 2n }, /column is_dir/, 5],
  ])('turns %p into a poison row with a reason instead of throwing', (bad, reason, logId) => {
    const parsed = parseRaw(rawRow(5, bad));
    expect('poison' in parsed && parsed.poison).toMatchObject({
      logId,
      reason: expect.stringMatching(reason),
    });
    expect(parsed.bytes).toBeGreaterThan(0);
  });
});

describe('chunkOf', () => {
  it('keeps order, splits good from poison rows and sums bytes', () => {
    const chunk = chunkOf([rawRow(1), rawRow(2, { operation: 99 }), rawRow(3)], 'scan');
    expect(chunk.rows.map((r) => r.logId)).toEqual([1, 3]);
    expect(chunk.poison.map((p) => p.logId)).toEqual([2]);
    expect(chunk).toMatchObject({ final: true, origin: 'scan' });
    expect(chunk.position).toBeUndefined();
    expect(chunk.bytes).toBe(
      [1, 2, 3]
        .map((id) => parseRaw(rawRow(id, id === 2 ? { operation: 99 } : {})).bytes)
        .reduce((a, b) => a + b),
    );
  });
});
