import { kafka, type StackEnv } from './stack';

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
 * same way: kafkajs, the settings of libs/client's subscriber (session 10 s, heartbeat 1 s,
 * whole batches), the receive time taken as each record is handed over, duplicates counted by id.
 */
export async function startConsumer(
  stack: StackEnv,
  topic: string,
  parse: (value: Buffer) => Parsed | null,
  onRecord: (record: Received) => void,
): Promise<Consumer> {
  const client = kafka(stack, 'epipe-bench-consumer');
  const consumer = client.consumer({
    groupId: `${topic}-bench-${Date.now().toString(36)}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const seen = new Set<string>();
  let duplicates = 0;
  await consumer.connect();
  for (let attempt = 1; ; attempt++) {
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      break;
    } catch (err) {
      if (attempt >= 100 || (err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const joined = new Promise<void>((resolve) => {
    const off = consumer.on(consumer.events.GROUP_JOIN, () => {
      off();
      resolve();
    });
  });
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: ({ batch }) => {
      const receivedAtMs = Date.now();
      for (const message of batch.messages) {
        if (!message.value) continue;
        const parsed = parse(message.value);
        if (!parsed) continue;
        const duplicate = seen.has(parsed.id);
        if (duplicate) duplicates++;
        else seen.add(parsed.id);
        onRecord({ ...parsed, receivedAtMs, duplicate });
      }
      return Promise.resolve();
    },
  });
  await joined;
  return {
    get unique() {
      return seen.size;
    },
    get duplicates() {
      return duplicates;
    },
    async stop() {
      await consumer.disconnect();
    },
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
