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
  /** 1 while the binlog socket is paused because the consumer is behind. */
  sourcePaused: { set(value: number): void };
}

export interface SourceDeps {
  logger: Logger;
  metrics: SourceMetrics;
}
