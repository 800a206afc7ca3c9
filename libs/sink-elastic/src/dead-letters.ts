import { Client } from '@elastic/elasticsearch';
import type { DeadLetter } from '@epipe/core';
import type { ElasticSinkConfig } from './config';
import { clientOptions } from './elastic-sink';
import { responseErrorType } from './errors';
import { searchPages } from './paging';

/** Where dead letters go when there is no Kafka to take them (or the topic refuses one). */
export function deadLetterIndexName(index: string): string {
  return `${index}-dead-letters`;
}

/** The row is kept for a reader, never searched: a poison row can be anything, of any size. */
const ROW_MAX_CHARS = 32_000;

const MAPPINGS = {
  dynamic: 'strict' as const,
  properties: {
    log_id: { type: 'long' as const },
    inode_id: { type: 'long' as const },
    stage: { type: 'keyword' as const },
    reason: { type: 'keyword' as const, ignore_above: 8_191 },
    epoch: { type: 'long' as const },
    at: { type: 'date' as const, format: 'epoch_millis' },
    row: { type: 'text' as const, index: false },
  },
};

/**
 * Writes letters to the dead-letter index, creating it on first use. A letter's id is its log
 * id and stage, so a replayed batch writes the same documents again.
 */
export async function writeDeadLetters(
  client: Client,
  index: string,
  letters: DeadLetter[],
  signal?: AbortSignal,
): Promise<void> {
  const name = deadLetterIndexName(index);
  try {
    await client.indices.create({ index: name, mappings: MAPPINGS }, { signal });
  } catch (err) {
    if (responseErrorType(err) !== 'resource_already_exists_exception') throw err;
  }
  const now = Date.now();
  const operations = letters.flatMap((l) => [
    { index: { _index: name, _id: `${l.logId ?? `epoch-${l.epoch}`}-${l.stage}` } },
    {
      log_id: l.logId ?? null,
      inode_id: l.inodeId ?? null,
      stage: l.stage,
      reason: l.reason,
      epoch: l.epoch,
      at: now,
      row: rowText(l.row),
    },
  ]);
  const response = await client.bulk({ operations, refresh: false }, { signal });
  if (response.errors) {
    const first = response.items.find((i) => i.index?.error)?.index?.error;
    throw new Error(
      `the dead-letter index ${name} refused letters: ${first?.type ?? 'unknown'} ${first?.reason ?? ''}`,
    );
  }
}

function rowText(row: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
  } catch {
    text = String(row);
  }
  return text.length > ROW_MAX_CHARS ? `${text.slice(0, ROW_MAX_CHARS)}…` : text;
}

/** A letter as the dead-letter index keeps it. */
export interface IndexedDeadLetter {
  /** The document id: `<log id>-<stage>` (or `epoch-<n>-<stage>` for a row without one). */
  id: string;
  logId: number | null;
  inodeId: number | null;
  stage: DeadLetter['stage'];
  reason: string;
  epoch: number;
  /** When the sink wrote it. */
  atMs: number;
  /** The row or event, parsed back; its text when it was cut (longer than the index keeps). */
  row: unknown;
}

export type DeadLetterIndexReaderConfig = Pick<
  ElasticSinkConfig,
  'url' | 'index' | 'apiKey' | 'username' | 'password' | 'caFingerprint' | 'tls' | 'requestTimeoutMs'
>;

interface StoredLetter {
  log_id: number | null;
  inode_id: number | null;
  stage: DeadLetter['stage'];
  reason: string;
  epoch: number;
  at: number;
  row: string;
}

const PAGE = 500;

/**
 * Every letter of `<index>-dead-letters`, oldest first: none when the index does not exist (the
 * sink creates it with its first letter). Paged with search_after, so a large index is read
 * whole without a scroll context left open on the cluster.
 */
export async function readDeadLetterIndex(config: DeadLetterIndexReaderConfig): Promise<IndexedDeadLetter[]> {
  const client = new Client(
    clientOptions({
      ...config,
      maxRetries: 0,
      bulkMaxBytes: 0,
      bulkMaxDocs: 0,
      concurrency: 1,
      refreshInterval: '1s',
      replicas: 0,
    }),
  );
  const index = deadLetterIndexName(config.index);
  const out: IndexedDeadLetter[] = [];
  try {
    const pages = searchPages<StoredLetter>(
      {
        index,
        size: PAGE,
        // _id is not sortable (no fielddata); these fields make the document id, so the order is total.
        sort: [{ at: 'asc' }, { log_id: 'asc' }, { epoch: 'asc' }, { stage: 'asc' }],
      },
      (body) => client.search<StoredLetter>(body),
    );
    try {
      for await (const hits of pages)
        for (const hit of hits) {
          const s = hit._source!;
          out.push({
            id: hit._id!,
            logId: s.log_id,
            inodeId: s.inode_id,
            stage: s.stage,
            reason: s.reason,
            epoch: s.epoch,
            atMs: s.at,
            row: parseRow(s.row),
          });
        }
    } catch (err) {
      if (responseErrorType(err) !== 'index_not_found_exception') throw err;
    }
    return out;
  } finally {
    await client.close();
  }
}

function parseRow(text: string): unknown {
  if (text.length > ROW_MAX_CHARS) return text; // cut: not JSON any more
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
