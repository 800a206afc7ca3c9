import { EpipeError, type Logger } from '@epipe/core';
import type { LogAcknowledger } from './ack';

/** What the check needs to know of the source: how far it read, and whether it is idle. */
export interface ReadProgress {
  readonly highestSeenLogId: number;
  readonly lastChunkAtMs: number;
  /** True while the source is not read because the byte budget is spent (paused, not idle). */
  readonly waitingForBudget: boolean;
}

/**
 * Every quarter of `missedRowAgeMs` (at least a second), looks for a log row the binlog will not
 * bring (see findMissedRow) and hands it to `onMissed`, which ends the lifetime so the next one's
 * recovery scan reads it. Returns the function that stops the check; 0 turns it off.
 */
export function startMissedRowCheck(
  config: { missedRowAgeMs: number },
  deps: { acker: LogAcknowledger; logger: Logger },
  progress: ReadProgress,
  inFlight: () => Set<number>,
  onMissed: (err: EpipeError) => void,
): () => void {
  if (config.missedRowAgeMs <= 0) return () => undefined;
  const timer = setInterval(
    () => {
      findMissedRow(config.missedRowAgeMs, deps, progress, inFlight).then(
        (missed) => {
          if (missed) onMissed(missed);
        },
        (err: unknown) => deps.logger.warn({ err }, 'missed-row check failed; trying again later'),
      );
    },
    Math.max(1_000, Math.floor(config.missedRowAgeMs / 4)),
  );
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * A row committed long ago and neither in flight nor received, although the binlog has moved
 * past it (a later log id came) or has nothing more to send (the source is idle, not paused):
 * the binlog will not bring it. Only a fresh lifetime's recovery scan will.
 */
export async function findMissedRow(
  missedRowAgeMs: number,
  deps: { acker: LogAcknowledger; logger: Logger },
  progress: ReadProgress,
  inFlight: () => Set<number>,
): Promise<EpipeError | null> {
  const oldest = await deps.acker.oldestRows(100);
  const now = Date.now();
  const cutoff = now - missedRowAgeMs;
  const idle =
    !progress.waitingForBudget && now - progress.lastChunkAtMs >= Math.min(missedRowAgeMs / 2, 5_000);
  const candidates = oldest.filter(
    (r) => r.commitTsMs < cutoff && (idle || r.logId <= progress.highestSeenLogId),
  );
  if (candidates.length === 0) return null;
  const known = inFlight();
  const missed = candidates.find((r) => !known.has(r.logId));
  if (!missed) return null;
  deps.logger.warn(
    { logId: missed.logId, ageMs: Date.now() - missed.commitTsMs },
    'a log row the binlog never delivered (XA transaction, or a writer with sql_log_bin=0): rescanning the log table',
  );
  return new EpipeError(
    'SOURCE_MISSED_ROWS',
    `log row ${missed.logId} was committed ${Math.round((Date.now() - missed.commitTsMs) / 1000)} s ago and never came from the binlog`,
    { retriable: true },
  );
}
