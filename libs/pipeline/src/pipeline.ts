import { ByteBudget, EpipeError } from '@epipe/core';
import { createEpochBuilder } from '@epipe/epoch';
import { createCall } from './call';
import type { PipelineConfig } from './config';
import type { PipelineDeps } from './deps';
import { BatchFlow } from './flow';
import { Lifetime } from './lifetime';
import { startMissedRowCheck } from './missed-rows';
import { SourceStage } from './source-stage';

/**
 * One lifetime of the pipeline, as the list of its stages:
 *
 *   source (byte budget) → epochs → enrich → Kafka ∥ search index ∥ coalesce → dead letters → ack
 *
 * `SourceStage` reads the source's chunks into the byte budget, the epoch builder cuts them into
 * batches (and a ticker closes idle epochs), and `BatchFlow` takes each batch through the rest,
 * every stage one batch at a time in (epoch, part) order, so batches complete in order. Beside
 * them, the missed-row check ends the lifetime when a row will never come from the binlog.
 *
 * A retriable failure of a call is retried in place (the daemon stays up and reports not-ready);
 * anything else ends this lifetime with the error, and the supervisor starts a fresh one, which
 * recovers from the log table. A clean stop (the signal aborts) drains what is in flight.
 */
export async function runPipeline(
  config: PipelineConfig,
  deps: PipelineDeps,
  signal: AbortSignal,
): Promise<void> {
  const lifetime = new Lifetime(signal, deps.fence);
  const call = createCall(deps, lifetime.stop.signal);
  const budget = new ByteBudget(config.maxInflightBytes);
  const source = new SourceStage(deps.source, budget, deps.metrics);
  const epochs = createEpochBuilder(config.epoch, Date.now, deps.firstEpoch);
  const flow = new BatchFlow(config, deps, {
    call,
    budget,
    fail: lifetime.fail,
    signal: lifetime.stop.signal,
  });

  const stopMissedRowCheck = startMissedRowCheck(
    config,
    deps,
    source,
    () => {
      // Rows held in the open epoch (see busy below) are in flight too.
      const ids = flow.inFlightIds();
      for (const id of epochs.openLogIds()) ids.add(id);
      return ids;
    },
    lifetime.fail,
  );
  const ticker = setInterval(
    () => {
      try {
        // Behind a busy stage the open epoch stays open longer: fewer, bigger batches.
        for (const batch of epochs.tick(false, flow.busy)) flow.dispatch(batch);
        flow.tickProvenance();
      } catch (err) {
        lifetime.fail(err);
      }
    },
    Math.max(1, Math.floor(config.epoch.maxEpochMs / 2)),
  );

  try {
    for await (const chunk of source.chunks(lifetime.reading.signal)) {
      for (const batch of epochs.add(chunk)) flow.dispatch(batch);
    }
  } catch (err) {
    if (!lifetime.reading.signal.aborted) lifetime.fail(err);
  } finally {
    clearInterval(ticker);
    flow.stopProbe();
    stopMissedRowCheck();
    lifetime.detach();
  }

  if (lifetime.failure !== undefined) throw lifetime.failure;
  // Clean stop: close the open epoch (unless a transaction is half read: its rows stay in the
  // log table and are replayed next time), then drain what is in flight under a deadline.
  for (const batch of epochs.tick(true)) flow.dispatch(batch);
  flow.flushProvenance();
  await drain(flow, lifetime, config.shutdownTimeoutMs);
}

/** Waits for every dispatched batch's ack; past the deadline, abandons them and says so. */
async function drain(flow: BatchFlow, lifetime: Lifetime, timeoutMs: number): Promise<void> {
  const drained = await Promise.race([
    flow.acknowledged.then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
  ]);
  // A stage may have failed during the drain.
  if (lifetime.failure) throw lifetime.failure;
  if (!drained) {
    lifetime.stop.abort(new EpipeError('SHUTDOWN', 'drain deadline passed'));
    throw new EpipeError('SHUTDOWN', `in-flight batches did not drain within ${timeoutMs} ms`);
  }
}
