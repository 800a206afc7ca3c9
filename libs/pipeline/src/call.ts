import { isRetriable, retry } from '@epipe/core';
import type { PipelineDeps } from './deps';

/** The pipeline's retrying call: what it does, the system it talks to ('mysql', 'kafka', ...), the call. */
export type Call = <T>(what: string, sink: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Every call to a server goes through this: a retriable failure is retried in place with
 * backoff until `signal` aborts, while the daemon reports not-ready naming the failing systems.
 */
export function createCall(
  deps: Pick<PipelineDeps, 'metrics' | 'logger' | 'onReady' | 'onProgress'>,
  signal: AbortSignal,
): Call {
  const { metrics, logger } = deps;
  // Ready only while no system is failing: a lookup in MariaDB succeeding must not declare the
  // daemon ready while every Kafka publish is still being retried (readiness would flap).
  const failing = new Set<string>();
  return <T>(what: string, sink: string, fn: () => Promise<T>): Promise<T> => {
    metrics.sinkInflight.inc({ sink });
    return retry(fn, {
      attempts: Number.POSITIVE_INFINITY,
      minDelayMs: 100,
      maxDelayMs: 5_000,
      signal,
      retriable: isRetriable,
      onRetry: (err, attempt, delay) => {
        metrics.sinkErrors.inc({ sink });
        failing.add(sink);
        deps.onReady?.(false, [...failing]);
        deps.onProgress?.();
        logger.warn({ err, attempt, delayMs: delay }, `${what} failed; retrying`);
      },
    })
      .then((value) => {
        failing.delete(sink);
        // A call that completes after this lifetime failed says nothing about the next one.
        if (!signal.aborted) deps.onReady?.(failing.size === 0, [...failing]);
        return value;
      })
      .finally(() => metrics.sinkInflight.dec({ sink }));
  };
}
