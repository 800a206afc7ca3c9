import {
  chunkByBytes,
  deadLetterRecord,
  deadLetterValue,
  estimateRecordBytes,
  fileEventRecord,
  HEADER_EVENT_ID,
  HEADER_SCHEMA_VERSION,
  safeStringify,
} from './records';
import { sampleDeadLetter, sampleEvent } from './fixtures.spec';

describe('chunkByBytes', () => {
  const sizes = (chunks: number[][]): number[] => chunks.map((c) => c.reduce((a, b) => a + b, 0));

  it('keeps order, loses nothing and respects the bound for random sizes', () => {
    for (let round = 0; round < 200; round++) {
      const max = 50 + Math.floor(Math.random() * 500);
      const items = Array.from(
        { length: Math.floor(Math.random() * 60) },
        () => 1 + Math.floor(Math.random() * 80),
      );
      const chunks = chunkByBytes(items, max, (n) => n);
      expect(chunks.flat()).toEqual(items);
      expect(chunks.every((c) => c.length > 0)).toBe(true);
      for (const [i, total] of sizes(chunks).entries()) {
        // Only a chunk of one item may exceed the bound.
        if (total > max) expect(chunks[i]).toHaveLength(1);
        // Greedy: the next item would not have fitted.
        const next = chunks[i + 1]?.[0];
        if (next !== undefined) expect(total + next).toBeGreaterThan(max);
      }
    }
  });

  it('puts an item larger than the bound alone, between its neighbours', () => {
    expect(chunkByBytes([10, 10, 500, 10], 100, (n) => n)).toEqual([[10, 10], [500], [10]]);
  });

  it('returns no chunk for no items', () => {
    expect(chunkByBytes([], 100, (n: number) => n)).toEqual([]);
  });
});

describe('fileEventRecord', () => {
  it('keys by inode id and carries the event id and schema version headers', () => {
    const event = sampleEvent(3);
    const record = fileEventRecord(event);
    expect(record.key).toBe(String(event.inodeId));
    expect(JSON.parse(record.value)).toEqual(event);
    expect(record.headers[HEADER_EVENT_ID]).toBe(event.eventId);
    expect(record.headers[HEADER_SCHEMA_VERSION]).toBe('1');
  });

  it('estimates at least the payload bytes, counting multi-byte characters', () => {
    const record = fileEventRecord(sampleEvent(3, { name: 'ä'.repeat(1000) }));
    const payload = Buffer.byteLength(record.key) + Buffer.byteLength(record.value);
    expect(payload).toBeGreaterThan(2000);
    expect(estimateRecordBytes(record)).toBeGreaterThan(payload);
  });
});

describe('dead letters', () => {
  it('keys by log id, or "unknown" without one, and never loses a field to undefined', () => {
    const known = deadLetterRecord(deadLetterValue(sampleDeadLetter(0), 'db', 5));
    expect(known.key).toBe('500');
    expect(known.headers[HEADER_EVENT_ID]).toBe('db/500');
    const unknown = deadLetterRecord(deadLetterValue(sampleDeadLetter(3), 'db', 5));
    expect(unknown.key).toBe('unknown');
    expect(unknown.headers[HEADER_EVENT_ID]).toBeUndefined();
    expect(JSON.parse(unknown.value)).toMatchObject({
      logId: null,
      inodeId: null,
      source: 'db',
      failedAtMs: 5,
    });
  });

  it('serializes BigInts, Buffers and nested values of raw rows', () => {
    const text = safeStringify({
      row: { a: 12345678901234567890n, b: Buffer.from('hé'), c: [1n, { d: null }] },
    });
    expect(JSON.parse(text)).toEqual({
      row: {
        a: '12345678901234567890',
        b: { type: 'Buffer', base64: Buffer.from('hé').toString('base64') },
        c: ['1', { d: null }],
      },
    });
  });

  it('still serializes a letter whose row is circular', () => {
    const row: Record<string, unknown> = { a: 1 };
    row.self = row;
    const value = JSON.parse(safeStringify({ reason: 'x', row }));
    expect(value.reason).toBe('x');
    expect(value.row.unserializable).toMatch(/circular/i);
  });
});
