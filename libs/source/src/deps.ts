import type { Logger } from '@epipe/core';

/**
 * What the source reports. The service's central metrics fit this shape as they are; a test can
 * pass a hand-written fake. Names of the exported series live in one place, not here.
 */
export interface SourceMetrics {
  rowsRead: { inc(labels: { origin: 'scan' | 'binlog' }, value: number): void };
  transactions: { inc(): void };
  /** 1 while the binlog stream is connected. */
  sourceConnected: { set(value: number): void };
  /** Whether the binlog socket is paused, and why (e.g. 'source_queue': the consumer is behind). */
  setSourcePaused(reason: string, paused: boolean): void;
}

export interface SourceDeps {
  logger: Logger;
  metrics: SourceMetrics;
}
