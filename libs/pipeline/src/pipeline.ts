import { type Batch, ByteBudget, type DeadLetter, EpipeError, isRetriable, retry } from '@epipe/core';
import type { EnrichResult } from '@epipe/enrich';
import { createEpochBuilder } from '@epipe/epoch';
import { admit } from './admission';
import { ProvenanceStage } from './provenance-stage';
import type { PipelineConfig } from './config';
import type { PipelineDeps } from './deps';
import { searchChanges } from './search-changes';

/**
 * One lifetime of the pipeline: source -> epochs -> enrich -> (Kafka || Elasticsearch) -> ack.
 * Each stage handles batches one at a time in (epoch, part) order, so batches complete in order;
 * different stages work on different batches at once. Memory between the source and the ack is
 * bounded by a byte budget: when it is spent the source stops being read, and its own buffer then
 * pauses the binlog socket. A retriable sink failure is retried in place (the daemon stays up and
 * reports not-ready); anything else ends this lifetime with the error, and the supervisor starts
 * a fresh one, which recovers from the log table.
 */
export async function runPipeline(
  config: PipelineConfig,
  deps: PipelineDeps,
  signal: AbortSignal,
): Promise<void> {
  const { metrics, logger } = deps;
  const budget = new ByteBudget(config.maxInflightBytes);
  const builder = createEpochBuilder(config.epoch, Date.now, deps.firstEpoch);
  // Two signals: `reading` stops the source (a clean stop then drains what is in flight);
  // `stop` also abandons in-flight calls (on failure, or when the drain deadline passes).
  const reading = new AbortController();
  const stop = new AbortController();
  const onOuterAbort = (): void => reading.abort(signal.reason);
  if (signal.aborted) onOuterAbort();
  signal.addEventListener('abort', onOuterAbort, { once: true });
  let failure: Error | undefined;
  const fail = (err: unknown): void => {
    if (failure === undefined) failure = err instanceof Error ? err : new Error(String(err));
    reading.abort(err);
    stop.abort(err);
  };
  const onFenced = (): void =>
    fail(deps.fence?.reason ?? new EpipeError('NOT_LEADER', 'leader lock lost', { retriable: true }));
  if (deps.fence?.aborted) onFenced();
  deps.fence?.addEventListener('abort', onFenced, { once: true });

  let lastEnrich: Promise<unknown> = Promise.resolve();
  let lastKafka: Promise<unknown> = Promise.resolve();
  let lastElastic: Promise<unknown> = Promise.resolve();
  let lastProvenance: Promise<unknown> = Promise.resolve();
  let lastAck: Promise<unknown> = Promise.resolve();
  let inflight = 0;
  // Batches in dispatch order (the coalescer's batch numbers), and the delivered batches whose
  // rows wait to be deleted, oldest first.
  let batchSeq = 0;
  const deferred: { seq: number; batch: Batch; ids: number[] }[] = [];
  // Batches dispatched and not yet acknowledged, and the highest log id received: what the
  // missed-row check needs to tell a row that never came from one on its way.
  const pending = new Set<Batch>();
  let highestSeenLogId = 0;
  let lastChunkAtMs = Date.now();
  let waitingForBudget = false;

  // Ready only while no system is failing: a lookup in MariaDB succeeding must not declare the
  // daemon ready while every Kafka publish is still being retried (readiness would flap).
  const failing = new Set<string>();
  const call = <T>(what: string, sink: string, fn: () => Promise<T>): Promise<T> => {
    metrics.sinkInflight.inc({ sink });
    return retry(fn, {
      attempts: Number.POSITIVE_INFINITY,
      minDelayMs: 100,
      maxDelayMs: 5_000,
      signal: stop.signal,
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
        if (!stop.signal.aborted) deps.onReady?.(failing.size === 0, [...failing]);
        return value;
      })
      .finally(() => metrics.sinkInflight.dec({ sink }));
  };

  const provenanceKafka = deps.provenanceKafka ?? null;
  const provenanceIndex = deps.provenanceIndex ?? null;
  const stage =
    config.provenance && (provenanceKafka || provenanceIndex)
      ? new ProvenanceStage(config.provenance, {
          kafka: provenanceKafka,
          index: provenanceIndex,
          call,
          deadLetter: (letters) => deadLetter(letters),
          metrics,
          logger,
          signal: stop.signal,
        })
      : null;

  /**
   * Deletes, in batch order and one transaction per batch, the rows of the delivered batches
   * older than the first batch an unpublished provenance window still holds (DESIGN.md, "Ack
   * and delete"): deletion stays in log order, so recovery's checks stay valid.
   */
  const releaseDeferred = async (): Promise<void> => {
    const firstHeld = stage?.firstHeldBatch() ?? null;
    while (deferred.length > 0 && (firstHeld === null || deferred[0]!.seq < firstHeld)) {
      const { ids } = deferred[0]!;
      const deleted =
        ids.length === 0
          ? 0
          : await call('delete acknowledged rows', 'mysql', () => deps.acker.deleteRows(ids));
      deferred.shift();
      metrics.rowsAcked.inc(deleted);
    }
    metrics.rowsDeferred.set(deferred.reduce((sum, d) => sum + d.ids.length, 0));
  };

  /** Runs a provenance step on its chain, then lets the ack stage delete what it released. */
  const provenanceStep = (step: (s: ProvenanceStage) => Promise<void>): void => {
    if (!stage) return;
    const done = lastProvenance.then(() => step(stage));
    lastProvenance = done;
    const released = Promise.all([lastAck, done]).then(() => releaseDeferred());
    lastAck = released;
    released.catch((err: unknown) => fail(err));
  };
  let lastTickAtMs = 0;
  let ticking = false;
  const tickEveryMs = config.provenance ? Math.max(50, Math.min(1_000, config.provenance.graceMs / 4)) : 0;
  const tickProvenance = (): void => {
    if (!stage || ticking || Date.now() - lastTickAtMs < tickEveryMs) return;
    lastTickAtMs = Date.now();
    ticking = true;
    provenanceStep((s) => s.tick().finally(() => (ticking = false)));
  };

  // Epoch size and duration, over the parts of an epoch; an epoch opens when the previous closes.
  let epochRows = 0;
  let previousClose: number | undefined;
  const observeEpoch = (batch: Batch): void => {
    epochRows += batch.rows.length + batch.poison.length;
    if (!batch.last) return;
    if (epochRows > 0) {
      metrics.epochRows.observe(epochRows);
      if (previousClose !== undefined)
        metrics.epochDuration.observe((batch.closedAtMs - previousClose) / 1000);
    }
    previousClose = batch.closedAtMs;
    epochRows = 0;
  };

  const dispatch = (batch: Batch): void => {
    metrics.epochs.inc(batch.last ? 1 : 0);
    metrics.currentEpoch.set(batch.epoch);
    observeEpoch(batch);
    deps.onRead?.(batch);
    // An empty epoch only shows progress. Behind a slow sink, queueing one every few
    // milliseconds would grow memory without bound, so it is dropped while work is in flight.
    if (batch.rows.length === 0 && batch.poison.length === 0 && inflight > 0) return;
    inflight++;
    pending.add(batch);
    const seq = batchSeq++;
    metrics.inflightBatches.set(inflight);
    const enriched = lastEnrich.then(() => call('enrich', 'mysql', () => deps.enricher.enrich(batch)));
    lastEnrich = enriched;
    const kafka = Promise.all([enriched, lastKafka]).then(([result]) => deliverKafka(batch, result));
    lastKafka = kafka;
    const elastic = Promise.all([enriched, lastElastic]).then(([result]) => deliverElastic(result));
    lastElastic = elastic;
    // The coalesce stage: the windows this batch closes are published before its ack.
    const provenance = stage
      ? Promise.all([enriched, lastProvenance]).then(([result]) => stage.add(seq, batch, result))
      : Promise.resolve();
    if (stage) lastProvenance = provenance;
    const acked = Promise.all([enriched, kafka, elastic, provenance, lastAck]).then(
      async ([result, kafkaDead, esDead]) => {
        const dead = [...poisonLetters(batch), ...result.dead, ...kafkaDead, ...esDead];
        if (dead.length > 0) await deadLetter(dead);
        const ids = batch.rows.map((r) => r.logId);
        for (const p of batch.poison) if (p.logId !== undefined) ids.push(p.logId);
        deferred.push({ seq, batch, ids });
        await releaseDeferred();
        if (ids.length > 0) deps.onProgress?.(batch);
        for (const [rule, count] of Object.entries(result.filteredBy ?? {}))
          metrics.filtered.inc({ rule }, count);
        const now = Date.now();
        let newest = 0;
        for (const r of batch.rows) {
          metrics.lag.observe((now - r.commitTsMs) / 1000);
          newest = Math.max(newest, r.commitTsMs);
        }
        if (newest > 0) metrics.lastAckedCommit.set(newest / 1000);
      },
    );
    lastAck = acked;
    acked.then(
      () => {
        budget.release(batch.bytes);
        pending.delete(batch);
        inflight--;
        metrics.inflightBatches.set(inflight);
        metrics.inflightBytes.set(budget.inUse);
      },
      (err: unknown) => fail(err),
    );
  };

  const deliverKafka = async (batch: Batch, result: EnrichResult): Promise<DeadLetter[]> => {
    if (!deps.kafka || result.events.length === 0) return [];
    const kafka = deps.kafka;
    const end = metrics.sinkLatency.startTimer({ sink: 'kafka' });
    const outcome = await call('publish to Kafka', 'kafka', () => kafka.publish(result.events, stop.signal));
    end();
    const rejected = outcome?.rejected ?? [];
    metrics.eventsDelivered.inc({ sink: 'kafka' }, result.events.length - rejected.length);
    return rejected.map(({ event, reason }) => ({
      logId: event.logId,
      inodeId: event.inodeId,
      stage: 'kafka' as const,
      reason,
      row: event,
      epoch: batch.epoch,
    }));
  };

  const deliverElastic = async (result: EnrichResult): Promise<DeadLetter[]> => {
    if (!deps.elastic) return [];
    const changes = searchChanges(result);
    if (changes.length === 0) return [];
    const elastic = deps.elastic;
    const end = metrics.sinkLatency.startTimer({ sink: 'elasticsearch' });
    const outcome = await call('apply to Elasticsearch', 'elasticsearch', () =>
      elastic.apply(changes, stop.signal),
    );
    end();
    metrics.eventsDelivered.inc({ sink: 'elasticsearch' }, changes.length - outcome.rejected.length);
    // A refused document is the state after the inode's newest row in the batch: the letter names
    // that row, so a reader can tell which change never reached the index.
    const newestRow = new Map<number, number>();
    for (const e of result.events) newestRow.set(e.inodeId, e.logId);
    return outcome.rejected.map(({ change, reason }) => {
      const inodeId =
        change.kind === 'move'
          ? change.dirInodeId
          : change.kind === 'delete'
            ? change.inodeId
            : change.doc.inodeId;
      return {
        logId: newestRow.get(inodeId),
        inodeId,
        stage: 'elasticsearch' as const,
        reason,
        row: change,
        epoch: result.events[0]?.epoch ?? 0,
      };
    });
  };

  const deadLetter = async (letters: DeadLetter[]): Promise<void> => {
    for (const l of letters) metrics.deadLetters.inc({ stage: l.stage });
    logger.warn(
      { count: letters.length, reasons: [...new Set(letters.map((l) => l.reason))].slice(0, 5) },
      'dead letters',
    );
    // Durable before their rows are deleted: the dead-letter topic, else (Kafka off, or a letter
    // the topic refuses even without its row) the search sink's dead-letter index.
    const kafka = deps.kafka;
    const left = kafka
      ? ((await call('publish dead letters', 'kafka', () => kafka.publishDeadLetters(letters, stop.signal)))
          ?.refused ?? [])
      : letters;
    if (left.length === 0) return;
    const elastic = deps.elastic;
    if (elastic?.recordDeadLetters) {
      await call('record dead letters', 'elasticsearch', () => elastic.recordDeadLetters!(left, stop.signal));
      return;
    }
    // Kafka refused them and the search sink is off: nowhere durable is left but the log.
    for (const l of left)
      logger.error(
        { logId: l.logId, inodeId: l.inodeId, stage: l.stage, reason: l.reason },
        'dead letter kept nowhere but this log',
      );
  };

  const missedRowCheck =
    config.missedRowAgeMs > 0
      ? setInterval(
          () => {
            findMissedRow().then(
              (missed) => {
                if (missed) fail(missed);
              },
              (err: unknown) => logger.warn({ err }, 'missed-row check failed; trying again later'),
            );
          },
          Math.max(1_000, Math.floor(config.missedRowAgeMs / 4)),
        )
      : undefined;
  missedRowCheck?.unref();

  /**
   * A row committed long ago and neither in flight nor received, although the binlog has moved
   * past it (a later log id came) or has nothing more to send (the source is idle, not paused):
   * the binlog will not bring it. Only a fresh lifetime's recovery scan will.
   */
  const findMissedRow = async (): Promise<EpipeError | null> => {
    const oldest = await deps.acker.oldestRows(100);
    const now = Date.now();
    const cutoff = now - config.missedRowAgeMs;
    const idle = !waitingForBudget && now - lastChunkAtMs >= Math.min(config.missedRowAgeMs / 2, 5_000);
    const candidates = oldest.filter((r) => r.commitTsMs < cutoff && (idle || r.logId <= highestSeenLogId));
    if (candidates.length === 0) return null;
    const inFlight = new Set<number>();
    for (const b of pending) for (const r of b.rows) inFlight.add(r.logId);
    for (const d of deferred) for (const id of d.ids) inFlight.add(id);
    const missed = candidates.find((r) => !inFlight.has(r.logId));
    if (!missed) return null;
    logger.warn(
      { logId: missed.logId, ageMs: Date.now() - missed.commitTsMs },
      'a log row the binlog never delivered (XA transaction, or a writer with sql_log_bin=0): rescanning the log table',
    );
    return new EpipeError(
      'SOURCE_MISSED_ROWS',
      `log row ${missed.logId} was committed ${Math.round((Date.now() - missed.commitTsMs) / 1000)} s ago and never came from the binlog`,
      { retriable: true },
    );
  };

  const ticker = setInterval(
    () => {
      try {
        for (const batch of builder.tick()) dispatch(batch);
        tickProvenance();
      } catch (err) {
        fail(err);
      }
    },
    Math.max(1, Math.floor(config.epoch.maxEpochMs / 2)),
  );

  try {
    for await (const chunk of deps.source.read(reading.signal)) {
      lastChunkAtMs = Date.now();
      metrics.inflightBytes.set(budget.inUse);
      if (!budget.fits(chunk.bytes)) {
        metrics.setSourcePaused('inflight_budget', true);
        waitingForBudget = true;
        const admitted = await admit(budget, chunk.bytes, reading.signal);
        waitingForBudget = false;
        lastChunkAtMs = Date.now();
        metrics.setSourcePaused('inflight_budget', false);
        if (!admitted) break;
      } else {
        budget.tryAcquire(chunk.bytes);
      }
      if (reading.signal.aborted) break;
      for (const r of chunk.rows) if (r.logId > highestSeenLogId) highestSeenLogId = r.logId;
      for (const batch of builder.add(chunk)) dispatch(batch);
    }
  } catch (err) {
    if (!reading.signal.aborted) fail(err);
  } finally {
    clearInterval(ticker);
    clearInterval(missedRowCheck);
    signal.removeEventListener('abort', onOuterAbort);
  }

  if (failure !== undefined) throw failure;
  // Clean stop: close the open epoch (unless a transaction is half read: its rows stay in the
  // log table and are replayed next time), then drain what is in flight under a deadline.
  for (const batch of builder.tick(true)) dispatch(batch);
  // Every window closes and is published, so every delivered row can be deleted.
  provenanceStep((s) => s.flush());
  const drained = await Promise.race([
    lastAck.then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), config.shutdownTimeoutMs).unref()),
  ]);
  // `fail` may have run during the drain (TypeScript cannot see the closure's assignment).
  const lateFailure = failure as Error | undefined;
  if (lateFailure) throw lateFailure;
  if (!drained) {
    stop.abort(new EpipeError('SHUTDOWN', 'drain deadline passed'));
    throw new EpipeError('SHUTDOWN', `in-flight batches did not drain within ${config.shutdownTimeoutMs} ms`);
  }
}

function poisonLetters(batch: Batch): DeadLetter[] {
  return batch.poison.map((p) => ({
    logId: p.logId,
    inodeId: typeof p.raw.inode_id === 'number' ? p.raw.inode_id : undefined,
    stage: 'parse' as const,
    reason: p.reason,
    row: p.raw,
    epoch: batch.epoch,
  }));
}
