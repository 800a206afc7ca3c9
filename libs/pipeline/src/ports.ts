import type { DeadLetter, FileEvent } from '@epipe/core';
import type { InodeChange } from '@epipe/sink-elastic';

/** What the pipeline needs of each sink; the real sinks and the test fakes both fit. */
export interface EventPublisher {
  publish(
    events: FileEvent[],
    signal?: AbortSignal,
  ): Promise<{ rejected: { event: FileEvent; reason: string }[] } | void>;
  /** Letters the topic refused even without their rows come back (see the Kafka sink). */
  publishDeadLetters(letters: DeadLetter[], signal?: AbortSignal): Promise<{ refused: DeadLetter[] } | void>;
}

export interface SearchIndexer {
  apply(
    changes: InodeChange[],
    signal?: AbortSignal,
  ): Promise<{ rejected: { change: InodeChange; reason: string }[] }>;
  /** Keeps dead letters in a dead-letter index: where they go when Kafka is off or refuses them. */
  recordDeadLetters?(letters: DeadLetter[], signal?: AbortSignal): Promise<void>;
}
