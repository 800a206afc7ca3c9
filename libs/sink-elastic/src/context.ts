import type { Client } from '@elastic/elasticsearch';
import { backoffDelay, EpipeError, sleep, type Logger } from '@epipe/core';
import type PQueue from 'p-queue';
import { classifyItem, ndjsonLines, responseItems, type BulkOp } from './bulk';
import type { ElasticSinkConfig } from './config';

/** What the write paths (plain writes and moves) share. */
export interface SinkContext {
  client: Client;
  config: ElasticSinkConfig;
  logger: Logger;
  /** Bounds bulk requests in flight to config.concurrency. */
  queue: PQueue;
  /** Sends a request, retrying whole-request failures with backoff; throws EpipeError. */
  request<T>(what: string, send: (signal?: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface BulkOutcome {
  rejected: { op: BulkOp; reason: string }[];
  /** Moved descendants that changed since they were read (only in 'move' mode). */
  conflicts: BulkOp[];
  /** Writes that met newer state (409, only in 'write' mode): the stored document is not theirs. */
  superseded: BulkOp[];
}

export const ITEM_RETRY_MIN_MS = 100;
export const ITEM_RETRY_MAX_MS = 5_000;

/**
 * Sends one bulk and settles every item: items the cluster could not take now (429, 5xx) are
 * sent again, alone, with backoff; after config.maxRetries more attempts the call fails with a
 * retriable error, and since every write is versioned, repeating the whole apply() is safe.
 */
export async function sendBulk(
  ctx: SinkContext,
  ops: BulkOp[],
  mode: 'write' | 'move',
  signal?: AbortSignal,
): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { rejected: [], conflicts: [], superseded: [] };
  let pending = ops;
  for (let attempt = 1; ; attempt++) {
    const response = await ctx.request(
      'bulk request',
      (s) =>
        ctx.client.bulk(
          // Refusal reasons go to the dead-letter topic: no document contents in them.
          { operations: ndjsonLines(pending), include_source_on_error: false },
          { signal: s },
        ),
      signal,
    );
    const items = responseItems(response);
    const again: BulkOp[] = [];
    let lastReason = '';
    pending.forEach((op, i) => {
      const result = classifyItem(items[i], mode);
      if (result.kind === 'ok') {
        if (result.superseded) outcome.superseded.push(op);
      } else if (result.kind === 'conflict') outcome.conflicts.push(op);
      else if (result.kind === 'reject') outcome.rejected.push({ op, reason: result.reason });
      else if (result.kind === 'retry') {
        again.push(op);
        lastReason = result.reason;
      }
    });
    if (again.length === 0) return outcome;
    if (attempt > ctx.config.maxRetries) {
      throw new EpipeError(
        'SINK_ELASTIC',
        `${again.length} bulk item(s) still failing after ${attempt} attempts: ${lastReason}`,
        { retriable: true },
      );
    }
    const delayMs = backoffDelay(attempt, ITEM_RETRY_MIN_MS, ITEM_RETRY_MAX_MS);
    ctx.logger.warn(
      { items: again.length, attempt, delayMs, reason: lastReason },
      'bulk items failed; retrying',
    );
    await sleep(delayMs, signal);
    pending = again;
  }
}
