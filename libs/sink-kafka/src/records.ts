import { EventId, type DeadLetter, type FileEvent } from '@epipe/core';

export const DEAD_LETTER_SCHEMA = 'epipe.dead-letter';
export const DEAD_LETTER_SCHEMA_VERSION = 1;

export const HEADER_EVENT_ID = 'epipe-event-id';
export const HEADER_SCHEMA = 'epipe-schema';
export const HEADER_SCHEMA_VERSION = 'epipe-schema-version';

/** What one Kafka record carries, before a partition is chosen. */
export interface OutgoingRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** The dead-letter topic's value: the letter plus what a reader needs to route and date it. */
export interface DeadLetterRecordValue {
  schema: typeof DEAD_LETTER_SCHEMA;
  schemaVersion: typeof DEAD_LETTER_SCHEMA_VERSION;
  source: string;
  failedAtMs: number;
  logId: number | null;
  inodeId: number | null;
  stage: DeadLetter['stage'];
  reason: string;
  epoch: number;
  row: unknown;
}

/**
 * A published event's record: the event as JSON, its id and schema (the event's own fields, so
 * they cannot disagree with its value) in the headers.
 */
export function eventRecord(
  key: string,
  event: { eventId: string; schema: string; schemaVersion: number },
): OutgoingRecord {
  return {
    key,
    value: JSON.stringify(event),
    headers: {
      [HEADER_EVENT_ID]: event.eventId,
      [HEADER_SCHEMA]: event.schema,
      [HEADER_SCHEMA_VERSION]: String(event.schemaVersion),
    },
  };
}

/** Key = inode id, so one inode's events stay in order in one partition. */
export function fileEventRecord(event: FileEvent): OutgoingRecord {
  return eventRecord(String(event.inodeId), event);
}

export function deadLetterValue(
  letter: DeadLetter,
  source: string,
  failedAtMs: number,
): DeadLetterRecordValue {
  return {
    schema: DEAD_LETTER_SCHEMA,
    schemaVersion: DEAD_LETTER_SCHEMA_VERSION,
    source,
    failedAtMs,
    // undefined would vanish from the JSON; null keeps every field present for readers.
    logId: letter.logId ?? null,
    inodeId: letter.inodeId ?? null,
    stage: letter.stage,
    reason: letter.reason,
    epoch: letter.epoch,
    row: letter.row,
  };
}

export function deadLetterRecord(value: DeadLetterRecordValue): OutgoingRecord {
  const headers: Record<string, string> = {
    [HEADER_SCHEMA]: DEAD_LETTER_SCHEMA,
    [HEADER_SCHEMA_VERSION]: String(DEAD_LETTER_SCHEMA_VERSION),
  };
  // Same id the event would have had, so a subscriber can tell which event never came.
  if (value.logId !== null) headers[HEADER_EVENT_ID] = new EventId(value.source, value.logId).toString();
  return {
    key: value.logId === null ? 'unknown' : String(value.logId),
    value: safeStringify(value),
    headers,
  };
}

/**
 * Dead letters carry raw rows straight from the binlog decoder: BigInts, Buffers, maybe worse.
 * A letter must always serialize, or a poison row would stop the stream after all.
 */
export function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
      const original = this[key];
      if (typeof original === 'bigint') return original.toString();
      if (Buffer.isBuffer(original)) return { type: 'Buffer', base64: original.toString('base64') };
      return v;
    });
  } catch (err) {
    const row = { unserializable: String(err) };
    return JSON.stringify({ ...(value as object), row });
  }
}

/**
 * Upper bound of a record's size on the wire: payload plus varint lengths and record headers.
 * Used to keep produce requests under maxBatchBytes; exactness does not matter, only the bound.
 */
export function estimateRecordBytes(record: OutgoingRecord): number {
  let bytes = 24 + Buffer.byteLength(record.key) + Buffer.byteLength(record.value);
  for (const [name, value] of Object.entries(record.headers)) {
    bytes += 10 + Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}

/**
 * Splits items, in order, into runs whose estimated bytes stay within maxBytes. An item larger
 * than maxBytes goes alone: the broker decides whether it fits.
 */
export function chunkByBytes<T>(items: readonly T[], maxBytes: number, sizeOf: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const bytes = sizeOf(item);
    if (current.length > 0 && currentBytes + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
