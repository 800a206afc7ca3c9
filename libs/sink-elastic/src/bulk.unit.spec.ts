import { Client, type estypes } from '@elastic/elasticsearch';
import { bulkOp, classifyItem, moveWriteOp, ndjsonLines, splitBulks, writeOp, type BulkOp } from './bulk';
import { buildInodeSource } from './doc';
import { docAt } from './fixtures.spec';

/** The client's own serializer: what it sends is what the tests compare (no request is made). */
const serializer = new Client({ node: 'http://127.0.0.1:9' }).serializer;

const opOfBytes = (id: number, bytes: number): BulkOp => ({
  ...bulkOp({ kind: 'delete', inodeId: id, logicalTime: 1 }, {}, String(id)),
  bytes,
});

describe('splitBulks', () => {
  it('bounds bytes and documents, keeps order and loses nothing, for random input', () => {
    for (let round = 0; round < 200; round++) {
      const maxBytes = 100 + Math.floor(Math.random() * 1000);
      const maxDocs = 1 + Math.floor(Math.random() * 10);
      const ops = Array.from({ length: Math.floor(Math.random() * 80) }, (_, i) =>
        opOfBytes(i, 1 + Math.floor(Math.random() * 200)),
      );
      const bulks = splitBulks(ops, maxBytes, maxDocs);
      expect(bulks.flat()).toEqual(ops);
      for (const [i, bulk] of bulks.entries()) {
        expect(bulk.length).toBeGreaterThan(0);
        expect(bulk.length).toBeLessThanOrEqual(maxDocs);
        const bytes = bulk.reduce((sum, op) => sum + op.bytes, 0);
        if (bytes > maxBytes) expect(bulk).toHaveLength(1);
        const next = bulks[i + 1]?.[0];
        if (next && bulk.length < maxDocs) expect(bytes + next.bytes).toBeGreaterThan(maxBytes);
      }
    }
  });

  it('sends an op larger than the byte bound alone', () => {
    const ops = [opOfBytes(1, 10), opOfBytes(2, 5000), opOfBytes(3, 10)];
    expect(splitBulks(ops, 100, 10).map((b) => b.map((op) => op.id))).toEqual([['1'], ['2'], ['3']]);
  });

  it('counts the exact NDJSON bytes, multi-byte characters included', () => {
    const op = writeOp('idx', { kind: 'upsert', doc: docAt(1, '/Projects/é/ü.csv') });
    expect(op.bytes).toBe(Buffer.byteLength(serializer.ndserialize(ndjsonLines([op]))));
  });
});

describe('ndjsonLines', () => {
  it("gives the body byte for byte as the client serializes the ops' action and doc objects", () => {
    const ops = [
      writeOp('idx', { kind: 'upsert', doc: docAt(1, '/Projects/é/ü "q".csv', { logicalTime: 3 }) }),
      writeOp('idx', { kind: 'delete', inodeId: 2, logicalTime: 4 }),
      moveWriteOp(
        'idx',
        { kind: 'delete', inodeId: 5, logicalTime: 1 },
        '5',
        9,
        buildInodeSource(docAt(5, '/a/b\\c')),
      ),
    ];
    const objects = ops.flatMap((op) => (op.doc ? [op.action, op.doc] : [op.action]));
    const body = serializer.ndserialize(ndjsonLines(ops));
    expect(Buffer.from(body)).toEqual(Buffer.from(serializer.ndserialize(objects)));
    expect(Buffer.byteLength(body)).toBe(ops.reduce((sum, op) => sum + op.bytes, 0));
  });
});

describe('writeOp and moveWriteOp', () => {
  it('writes upserts and deletes with external versions = logical time', () => {
    const upsert = writeOp('idx', { kind: 'upsert', doc: docAt(7, '/a/b', { logicalTime: 12 }) });
    expect(upsert.action).toEqual({
      index: { _index: 'idx', _id: '7', version: 12, version_type: 'external' },
    });
    expect(upsert.doc?.path).toBe('/a/b');
    const del = writeOp('idx', { kind: 'delete', inodeId: 7, logicalTime: 13 });
    expect(del.action).toEqual({
      delete: { _index: 'idx', _id: '7', version: 13, version_type: 'external' },
    });
    expect(del.doc).toBeUndefined();
    expect(ndjsonLines([upsert, del]).join('\n').split('\n')).toHaveLength(3);
  });

  it('writes moved descendants back at their read version with external_gte', () => {
    const change = { kind: 'move' as const, dirInodeId: 1, oldPath: '/a', newPath: '/b', newAncestorIds: [] };
    const op = moveWriteOp('idx', change, '7', 12, buildInodeSource(docAt(7, '/b/c')));
    expect(op.action).toEqual({
      index: { _index: 'idx', _id: '7', version: 12, version_type: 'external_gte' },
    });
  });
});

describe('classifyItem', () => {
  const item = (status: number, error?: Partial<estypes.ErrorCause>): estypes.BulkResponseItem =>
    ({ _index: 'idx', status, ...(error ? { error } : {}) }) as estypes.BulkResponseItem;

  it.each([
    [201, undefined, 'write', 'ok'],
    [200, undefined, 'write', 'ok'],
    [404, undefined, 'write', 'ok'],
    [409, { type: 'version_conflict_engine_exception', reason: 'x' }, 'write', 'ok'],
    [409, { type: 'version_conflict_engine_exception', reason: 'x' }, 'move', 'conflict'],
    [400, { type: 'document_parsing_exception', reason: 'bad' }, 'write', 'reject'],
    [400, { type: 'illegal_argument_exception', reason: 'immense term' }, 'move', 'reject'],
    [429, { type: 'es_rejected_execution_exception', reason: 'queue full' }, 'write', 'retry'],
    [503, { type: 'unavailable_shards_exception', reason: 'x' }, 'write', 'retry'],
    [403, { type: 'cluster_block_exception', reason: 'read-only' }, 'write', 'retry'],
    [404, { type: 'index_not_found_exception', reason: 'no such index' }, 'write', 'retry'],
  ] as const)('status %d %j in %s mode -> %s', (status, error, mode, kind) => {
    expect(classifyItem(item(status, error), mode).kind).toBe(kind);
  });

  it('tells a write that met newer state (409) from one that was applied', () => {
    const conflict = item(409, { type: 'version_conflict_engine_exception', reason: 'x' });
    expect(classifyItem(conflict, 'write')).toEqual({ kind: 'ok', superseded: true });
    expect(classifyItem(item(201), 'write')).toEqual({ kind: 'ok' });
    expect(classifyItem(item(404), 'write')).toEqual({ kind: 'ok' });
  });

  it('says why an item was refused, with the cause, bounded in length', () => {
    const outcome = classifyItem(
      item(400, {
        type: 'document_parsing_exception',
        reason: 'failed to parse',
        caused_by: { type: 'illegal_argument_exception', reason: 'x'.repeat(5000) },
      }),
      'write',
    );
    expect(outcome).toMatchObject({ kind: 'reject' });
    const reason = (outcome as { reason: string }).reason;
    expect(reason).toMatch(
      /^document_parsing_exception: failed to parse \(caused by illegal_argument_exception: x+/,
    );
    expect(reason.length).toBeLessThanOrEqual(1000);
  });

  it('retries an item the response does not contain', () => {
    expect(classifyItem(undefined, 'write').kind).toBe('retry');
  });
});
