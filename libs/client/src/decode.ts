import { FILE_EVENT_SCHEMA, FILE_EVENT_SCHEMA_VERSION, type FileEvent } from '@epipe/core';

/** The schema major version this client reads; a newer minor only adds fields, which it ignores. */
export const SUPPORTED_MAJOR = Math.trunc(FILE_EVENT_SCHEMA_VERSION);

export type Decoded =
  | { kind: 'event'; event: FileEvent }
  /** Another schema on the same topic (e.g. a record kind this client does not know): skipped. */
  | { kind: 'other'; schema: string }
  /** Not a file event this client can read at all: goes to the onInvalid handler. */
  | { kind: 'invalid'; reason: string }
  /** A file event of a major version this client does not know: the caller must upgrade. */
  | { kind: 'unsupported'; version: string };

/**
 * Reads one record's value. The version is `<major>` or `<major>.<minor>` (a number or a
 * string): a different major changes or removes fields, so reading it as the known one could
 * silently mean something else; that is an error, never a skip.
 */
export function decodeFileEvent(value: Buffer | null): Decoded {
  if (value === null) return { kind: 'invalid', reason: 'the record has no value (a tombstone)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return { kind: 'invalid', reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { kind: 'invalid', reason: 'not a JSON object' };
  const record = parsed as Record<string, unknown>;
  if (typeof record.schema !== 'string') return { kind: 'invalid', reason: 'no schema name' };
  if (record.schema !== FILE_EVENT_SCHEMA) return { kind: 'other', schema: record.schema };
  const major = majorOf(record.schemaVersion);
  if (major === undefined)
    return {
      kind: 'invalid',
      reason: `schemaVersion ${JSON.stringify(record.schemaVersion)} is not a version`,
    };
  if (major !== SUPPORTED_MAJOR) return { kind: 'unsupported', version: String(record.schemaVersion) };
  if (typeof record.eventId !== 'string' || record.eventId === '')
    return { kind: 'invalid', reason: 'no eventId' };
  return { kind: 'event', event: record as unknown as FileEvent };
}

function majorOf(version: unknown): number | undefined {
  if (typeof version === 'number' && Number.isFinite(version) && version >= 0) return Math.trunc(version);
  if (typeof version === 'string' && /^\d+(\.\d+)*$/.test(version)) return Number(version.split('.')[0]);
  return undefined;
}
