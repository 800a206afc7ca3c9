import type { estypes } from '@elastic/elasticsearch';
import { buildInodeSource, inodeDocId } from './doc';
import type { InodeSource } from './fields';
import type { InodeChange, WriteChange } from './changes';

/** One bulk item: its action line, its document line (none for a delete), what it came from. */
export interface BulkOp {
  change: InodeChange;
  id: string;
  action: estypes.BulkOperationContainer;
  doc?: InodeSource;
  /**
   * Its NDJSON lines, serialized once: counting the bytes needs them, and the bulk body is built
   * from them (a retried item is sent again as it is). Action and doc are never changed after.
   */
  json: string;
  /** NDJSON bytes of both lines. */
  bytes: number;
}

export function bulkOp(
  change: InodeChange,
  action: estypes.BulkOperationContainer,
  id: string,
  doc?: InodeSource,
): BulkOp {
  const json = doc ? `${JSON.stringify(action)}\n${JSON.stringify(doc)}` : JSON.stringify(action);
  const bytes = Buffer.byteLength(json) + 1;
  return doc ? { change, id, action, doc, json, bytes } : { change, id, action, json, bytes };
}

/**
 * External versioning: Elasticsearch applies a write only when its version is higher than the
 * stored one (a delete leaves a versioned tombstone for index.gc_deletes, 60 s by default), so a
 * replayed or late write can never overwrite newer state.
 */
export function writeOp(index: string, change: WriteChange): BulkOp {
  if (change.kind === 'delete') {
    const id = inodeDocId(change.inodeId);
    const meta = { _index: index, _id: id, version: change.logicalTime, version_type: 'external' as const };
    return bulkOp(change, { delete: meta }, id);
  }
  const id = inodeDocId(change.doc.inodeId);
  const meta = { _index: index, _id: id, version: change.doc.logicalTime, version_type: 'external' as const };
  return bulkOp(change, { index: meta }, id, buildInodeSource(change.doc));
}

/**
 * A moved descendant is written back whole at the version it was read with: external_gte
 * accepts an equal version, so the rewrite goes through unless a newer state arrived meanwhile,
 * and the document keeps its logical_time as version.
 */
export function moveWriteOp(
  index: string,
  change: InodeChange,
  id: string,
  version: number,
  doc: InodeSource,
): BulkOp {
  return bulkOp(
    change,
    { index: { _index: index, _id: id, version, version_type: 'external_gte' } },
    id,
    doc,
  );
}

/**
 * The bulk body's lines, already serialized: the client joins strings with newlines as they are,
 * so the body is byte for byte what serializing the action and doc objects would give.
 */
export function ndjsonLines(ops: readonly BulkOp[]): string[] {
  return ops.map((op) => op.json);
}

/** Splits ops, in order, into bulks within both bounds; an op larger than maxBytes goes alone. */
export function splitBulks(ops: readonly BulkOp[], maxBytes: number, maxDocs: number): BulkOp[][] {
  const bulks: BulkOp[][] = [];
  let current: BulkOp[] = [];
  let bytes = 0;
  for (const op of ops) {
    if (current.length > 0 && (current.length >= maxDocs || bytes + op.bytes > maxBytes)) {
      bulks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(op);
    bytes += op.bytes;
  }
  if (current.length > 0) bulks.push(current);
  return bulks;
}

/**
 * - ok: applied, or the document to delete is already gone (404), or newer state is already
 *   there (409 on a versioned write: `superseded`, so a move knows the stored document is not the
 *   one this write carried);
 * - conflict: a moved descendant changed since it was read; read it again;
 * - retry: the cluster is busy or unwell (429, 5xx, blocks); the same item may succeed later;
 * - reject: the document itself is refused (400: mapping, parsing, immense term); the caller
 *   dead-letters it.
 */
export type ItemOutcome =
  { kind: 'ok'; superseded?: true } | { kind: 'conflict' } | { kind: 'retry' | 'reject'; reason: string };

export function classifyItem(
  item: estypes.BulkResponseItem | undefined,
  mode: 'write' | 'move',
): ItemOutcome {
  if (!item) return { kind: 'retry', reason: 'no response item' };
  const status = item.status;
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 404 && !item.error) return { kind: 'ok' };
  if (status === 409) return mode === 'move' ? { kind: 'conflict' } : { kind: 'ok', superseded: true };
  const reason = describeItemError(item);
  if (status === 400) return { kind: 'reject', reason };
  return { kind: 'retry', reason };
}

const MAX_REASON_CHARS = 1000;

function describeItemError(item: estypes.BulkResponseItem): string {
  const error = item.error;
  const text = error ? `${error.type}: ${error.reason ?? ''}` : `status ${item.status}`;
  const caused = error?.caused_by
    ? ` (caused by ${error.caused_by.type}: ${error.caused_by.reason ?? ''})`
    : '';
  return `${text}${caused}`.slice(0, MAX_REASON_CHARS);
}

/** The response item of each op, whatever its action key. */
export function responseItems(response: estypes.BulkResponse): (estypes.BulkResponseItem | undefined)[] {
  return response.items.map((entry) => entry.index ?? entry.delete ?? entry.create ?? entry.update);
}
