import { consumeTopic } from '@epipe/client';
import type { StackEnv } from './stack';

/** What the lag measurement needs from one record, whichever producer wrote it. */
export interface Parsed {
  id: string;
  commitTsMs: number;
}

export interface Received extends Parsed {
  receivedAtMs: number;
  duplicate: boolean;
}

export interface Consumer {
  readonly unique: number;
  readonly duplicates: number;
  stop(): Promise<void>;
}

/**
 * One consumer for every producer under test (epipe and Debezium), so both are measured the
 * same way: libs/client's topic consumer (the subscriber's own), the receive time taken as each
 * batch is handed over, duplicates counted by id.
 */
export async function startConsumer(
  stack: StackEnv,
  topic: string,
  parse: (value: Buffer) => Parsed | null,
  onRecord: (record: Received) => void,
): Promise<Consumer> {
  const seen = new Set<string>();
  let duplicates = 0;
  const consumer = await consumeTopic(
    {
      brokers: stack.brokers,
      topic,
      groupId: `${topic}-bench-${Date.now().toString(36)}`,
      clientId: 'epipe-bench-consumer',
      fromBeginning: true,
      topicWaitMs: 20_000,
    },
    ({ messages }) => {
      const receivedAtMs = Date.now();
      for (const message of messages) {
        if (!message.value) continue;
        const parsed = parse(message.value);
        if (!parsed) continue;
        const duplicate = seen.has(parsed.id);
        if (duplicate) duplicates++;
        else seen.add(parsed.id);
        onRecord({ ...parsed, receivedAtMs, duplicate });
      }
    },
  );
  return {
    get unique() {
      return seen.size;
    },
    get duplicates() {
      return duplicates;
    },
    stop: () => consumer.stop(),
  };
}

/** An epipe file event. */
export function parseEpipe(value: Buffer): Parsed | null {
  const event = JSON.parse(value.toString('utf8')) as { eventId?: string; commitTsMs?: number };
  return event.eventId && event.commitTsMs ? { id: event.eventId, commitTsMs: event.commitTsMs } : null;
}

/** A Debezium change event (JSON converter without schemas): the inserted row is `after`. */
export function parseDebezium(value: Buffer): Parsed | null {
  const event = JSON.parse(value.toString('utf8')) as {
    op?: string;
    after?: { log_id?: number; commit_ts_ms?: number } | null;
    payload?: { op?: string; after?: { log_id?: number; commit_ts_ms?: number } | null };
  };
  const body = event.payload ?? event;
  const after = body.after;
  if ((body.op !== 'c' && body.op !== 'r') || !after?.log_id || !after.commit_ts_ms) return null;
  return { id: String(after.log_id), commitTsMs: Number(after.commit_ts_ms) };
}
