import { Writable } from 'node:stream';
import { createLogger, FILE_EVENT_SCHEMA } from '@epipe/core';
import { logLevel } from 'kafkajs';
import { decodeFileEvent } from './decode';
import { MemoryDedupeStore } from './dedupe';
import { kafkaLogCreator, kafkaLogLevel } from './log-creator';

const record = (value: unknown) => Buffer.from(JSON.stringify(value));
const event = (schemaVersion: unknown) => ({
  schema: FILE_EVENT_SCHEMA,
  schemaVersion,
  eventId: 'db/1',
  logId: 1,
});

describe('decodeFileEvent', () => {
  it('reads a file event of the known major version, whatever its minor', () => {
    for (const v of [1, '1', '1.4', 1.2]) expect(decodeFileEvent(record(event(v))).kind).toBe('event');
  });

  it('reports an unknown major version as unsupported, not as something to skip', () => {
    expect(decodeFileEvent(record(event(2)))).toEqual({ kind: 'unsupported', version: '2' });
    expect(decodeFileEvent(record(event('3.0')))).toEqual({ kind: 'unsupported', version: '3.0' });
  });

  it.each([
    ['not JSON', Buffer.from('{"schema": "epipe.file-event", '), /not JSON/],
    ['a tombstone', null, /no value/],
    ['an array', record([1]), /not a JSON object/],
    ['no schema', record({ eventId: 'x' }), /no schema name/],
    ['a bad version', record(event('v2')), /not a version/],
    ['no event id', record({ schema: FILE_EVENT_SCHEMA, schemaVersion: 1 }), /no eventId/],
  ])('calls %s invalid, with the reason', (_what, value, reason) => {
    const decoded = decodeFileEvent(value);
    expect(decoded.kind).toBe('invalid');
    expect(decoded.kind === 'invalid' && decoded.reason).toMatch(reason);
  });

  it('tells records of another schema apart from broken ones', () => {
    expect(decodeFileEvent(record({ schema: 'epipe.artifact-event', schemaVersion: 1 }))).toEqual({
      kind: 'other',
      schema: 'epipe.artifact-event',
    });
  });
});

describe('MemoryDedupeStore', () => {
  it('remembers ids once added, and only the newest `capacity` of them', () => {
    const store = new MemoryDedupeStore(3);
    expect(store.has('a')).toBe(false);
    for (const id of ['a', 'b', 'c', 'a', 'd']) store.add(id);
    expect(store.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((id) => store.has(id))).toEqual([false, true, true, true]);
  });

  it('stays bounded over many ids', () => {
    const store = new MemoryDedupeStore(1_000);
    for (let i = 0; i < 200_000; i++) store.add(`id-${i}`);
    expect(store.size).toBe(1_000);
    expect(store.has('id-199999')).toBe(true);
    expect(store.has('id-198999')).toBe(false);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new MemoryDedupeStore(0)).toThrow(RangeError);
  });
});

describe('kafkaLogCreator', () => {
  it("sends kafkajs' lines to the caller's logger, connection chatter at debug", () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger({ level: 'debug' }, sink);
    const log = kafkaLogCreator(logger)(logLevel.DEBUG);
    const entry = (message: string) => ({ message, timestamp: 't', logger: 'kafkajs', broker: 'b:9092' });
    log({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: entry('refused') });
    log({ namespace: 'Consumer', level: logLevel.INFO, label: 'INFO', log: entry('joined') });
    log({ namespace: 'Consumer', level: logLevel.DEBUG, label: 'DEBUG', log: entry('fetch') });
    expect(lines.map((l) => [l.level, l.msg, l.kafkajs, l.broker])).toEqual([
      [50, 'refused', 'Connection', 'b:9092'],
      [20, 'joined', 'Consumer', 'b:9092'],
    ]);
    expect(kafkaLogLevel(logger)).toBe(logLevel.INFO);
  });
});
