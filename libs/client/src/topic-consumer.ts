import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';

export interface TopicConsumerOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  clientId: string;
  fromBeginning?: boolean;
  /** How long to wait for the topic to exist (the daemon creates it at start). Default 10 s. */
  topicWaitMs?: number;
  /** TLS and SASL settings, as the brokers require them. */
  security?: Pick<KafkaConfig, 'ssl' | 'sasl'>;
}

/** One fetched batch of one partition, as the broker returned it. */
export interface RawBatch {
  partition: number;
  messages: { value: Buffer | null; offset: string }[];
}

export interface TopicConsumer {
  stop(): Promise<void>;
}

const SUBSCRIBE_RETRY_MS = 200;

/**
 * Reads one topic in a consumer group with the settings every reader of epipe's topics uses
 * (session 10 s, heartbeat 1 s, whole batches handed over in order), so the typed subscriber and
 * the benchmark's lag measurement see records the same way. Resolves once the group is joined
 * and fetching; a consumer that could not get there is disconnected before the error is thrown.
 */
export async function consumeTopic(
  options: TopicConsumerOptions,
  onBatch: (batch: RawBatch) => Promise<void> | void,
): Promise<TopicConsumer> {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
    ...options.security,
  });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  try {
    await consumer.connect();
    const attempts = Math.max(1, Math.ceil((options.topicWaitMs ?? 10_000) / SUBSCRIBE_RETRY_MS));
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });
        break;
      } catch (err) {
        if (attempt >= attempts || (err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION')
          throw err;
        await new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_RETRY_MS));
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
      eachBatch: ({ batch }) =>
        Promise.resolve(onBatch({ partition: batch.partition, messages: batch.messages })),
    });
    await joined;
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    throw err;
  }
  return { stop: () => consumer.disconnect() };
}
