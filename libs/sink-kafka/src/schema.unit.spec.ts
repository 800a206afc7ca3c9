import { OPERATION_NAMES } from '@epipe/core';
import { deadLetterRecord, deadLetterValue, fileEventRecord } from './records';
import { loadSchema, sampleDeadLetter, sampleEvent, validators } from './fixtures.spec';

describe('schemas/file-event.schema.json', () => {
  const { fileEvent } = validators();

  it('accepts events with every combination of null and present fields', () => {
    for (let i = 0; i < 200; i++) {
      const value: unknown = JSON.parse(fileEventRecord(sampleEvent(i)).value);
      expect({ i, ok: fileEvent(value), errors: fileEvent.errors ?? null }).toEqual({
        i,
        ok: true,
        errors: null,
      });
    }
  });

  it('documents exactly the fields FileEvent has, all required', () => {
    const schema = loadSchema('file-event.schema.json');
    const fields = Object.keys(sampleEvent(1)).sort();
    expect(Object.keys(schema.properties).sort()).toEqual(fields);
    expect([...schema.required].sort()).toEqual(fields);
    expect(Object.keys(schema.$defs!.executionContext!.properties).sort()).toEqual(
      Object.keys(sampleEvent(1).app!).sort(),
    );
  });

  it('lists every operation name', () => {
    expect(loadSchema('file-event.schema.json').properties.operation!.enum).toEqual(OPERATION_NAMES);
  });

  it.each([
    ['an unknown operation', { operation: 'CHMOD' }],
    ['a fractional inode id', { inodeId: 1.5 }],
    ['an event id without log id', { eventId: 'testdb' }],
    ['another schema version', { schemaVersion: 2 }],
    ['a user without name field', { user: { id: 1 } }],
  ])('rejects %s', (_what, patch) => {
    const event = JSON.parse(fileEventRecord(sampleEvent(1)).value) as object;
    expect(fileEvent({ ...event, ...patch })).toBe(false);
  });

  it('rejects an event missing a field', () => {
    const { commitTsMs: _dropped, ...rest } = sampleEvent(1);
    expect(fileEvent(JSON.parse(JSON.stringify(rest)))).toBe(false);
  });
});

describe('schemas/dead-letter.schema.json', () => {
  const { deadLetter } = validators();

  it('accepts letters with raw rows holding BigInts and Buffers, and unknown log ids', () => {
    for (let i = 0; i < 8; i++) {
      const record = deadLetterRecord(deadLetterValue(sampleDeadLetter(i), 'testdb', 1_700_000_000_000));
      const value: unknown = JSON.parse(record.value);
      expect({ i, ok: deadLetter(value), errors: deadLetter.errors ?? null }).toEqual({
        i,
        ok: true,
        errors: null,
      });
    }
  });

  it('documents exactly the fields the sink writes', () => {
    const schema = loadSchema('dead-letter.schema.json');
    const fields = Object.keys(deadLetterValue(sampleDeadLetter(0), 'testdb', 1)).sort();
    expect(Object.keys(schema.properties).sort()).toEqual(fields);
    expect([...schema.required].sort()).toEqual(fields);
  });

  it('rejects a letter without reason or with an unknown stage', () => {
    const value = JSON.parse(
      deadLetterRecord(deadLetterValue(sampleDeadLetter(0), 'testdb', 1)).value,
    ) as object;
    expect(deadLetter({ ...value, reason: '' })).toBe(false);
    expect(deadLetter({ ...value, stage: 'filter' })).toBe(false);
  });
});
