import type { Client } from '@elastic/elasticsearch';
import type { DeadLetter } from '@epipe/core';
import { responseErrorType } from './errors';

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
