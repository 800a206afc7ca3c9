import type { Batch, DeadLetter, Logger } from '@epipe/core';
import type { EnrichResult } from '@epipe/enrich';
import type { Call } from './call';
import type { PipelineMetrics } from './deps';
import type { EventPublisher, SearchIndexer } from './ports';
import { resyncSubtrees, type SubtreeReader } from './resync';
import { searchChanges } from './search-changes';
import type { SearchableProbe } from './searchable-probe';

/** What the sink stages use: the sinks (null: off), the retrying call, where they report. */
export interface SinkContext {
  kafka: EventPublisher | null;
  elastic: SearchIndexer | null;
  /** Reads subtrees that crossed the filters' boundary again (the enricher), if it can. */
  subtrees: SubtreeReader | null;
  call: Call;
  /** Samples documents the search sink acknowledged until a search finds them (null: not measured). */
  probe: SearchableProbe | null;
  metrics: PipelineMetrics;
  logger: Logger;
  /** Aborts calls in flight when the lifetime ends. */
  signal: AbortSignal;
}

/** The Kafka stage: publishes the batch's kept events; the events the topic refused come back as letters. */
export async function publishEvents(
  ctx: SinkContext,
  batch: Batch,
  result: EnrichResult,
): Promise<DeadLetter[]> {
  if (!ctx.kafka || result.events.length === 0) return [];
  const { kafka, metrics } = ctx;
  const end = metrics.sinkLatency.startTimer({ sink: 'kafka' });
  const outcome = await ctx.call('publish to Kafka', 'kafka', () => kafka.publish(result.events, ctx.signal));
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
}

/**
 * The search stage: applies what the index must show after the batch, then reads again the
 * subtrees that crossed the filters' boundary; refusals come back as letters. Both before the
 * batch's ack, so a crash in between replays the rows that derive them.
 */
export async function indexChanges(ctx: SinkContext, result: EnrichResult): Promise<DeadLetter[]> {
  const letters = await applyChanges(ctx, result);
  return [...letters, ...(await resyncBoundary(ctx, result))];
}

async function applyChanges(ctx: SinkContext, result: EnrichResult): Promise<DeadLetter[]> {
  if (!ctx.elastic) return [];
  const changes = searchChanges(result);
  if (changes.length === 0) return [];
  const { elastic, metrics } = ctx;
  const end = metrics.sinkLatency.startTimer({ sink: 'elasticsearch' });
  const outcome = await ctx.call('apply to Elasticsearch', 'elasticsearch', () =>
    elastic.apply(changes, ctx.signal),
  );
  end();
  // A refused document never shows up: its batch is no sample (the probe would wait in vain).
  if (outcome.rejected.length === 0) ctx.probe?.acknowledged(changes);
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
}

/**
 * The descendants of each directory that crossed the boundary, page by page from the database.
 * A failure restarts the directory's whole subtree: every write is versioned, so repeating pages
 * is harmless. A refused document is a letter naming the directory's row.
 */
async function resyncBoundary(ctx: SinkContext, result: EnrichResult): Promise<DeadLetter[]> {
  const { elastic, subtrees, logger } = ctx;
  const views = result.resyncs ?? [];
  if (!elastic?.syncSubtree || !subtrees || views.length === 0) return [];
  const indexer = { syncSubtree: elastic.syncSubtree.bind(elastic) };
  const letters: DeadLetter[] = [];
  for (const view of views) {
    const end = ctx.metrics.sinkLatency.startTimer({ sink: 'elasticsearch' });
    const outcome = await ctx.call('read a subtree that crossed the filters again', 'elasticsearch', () =>
      resyncSubtrees([view], subtrees, indexer, ctx.signal),
    );
    end();
    // Counted once the whole subtree went through: a retry starts it again, and only the
    // attempt that succeeded says what the index holds.
    ctx.metrics.resyncs.inc();
    for (const [outcomeName, count] of Object.entries(outcome.documents))
      if (count > 0) ctx.metrics.resyncDocuments.inc({ outcome: outcomeName }, count);
    logger.debug(
      { dirInodeId: view.dirInodeId, path: view.path, ...outcome, rejected: outcome.rejected.length },
      'subtree read again across the filters boundary',
    );
    for (const { change, reason } of outcome.rejected) {
      letters.push({
        logId: view.logId,
        inodeId:
          change.kind === 'upsert'
            ? change.doc.inodeId
            : change.kind === 'delete'
              ? change.inodeId
              : view.dirInodeId,
        stage: 'elasticsearch',
        reason,
        row: change,
        epoch: view.epoch,
      });
    }
  }
  return letters;
}

/**
 * Makes letters durable before their rows are deleted: the dead-letter topic, else (Kafka off,
 * or a letter the topic refuses even without its row) the search sink's dead-letter index.
 */
export async function deadLetter(ctx: SinkContext, letters: DeadLetter[]): Promise<void> {
  const { metrics, logger, call, signal } = ctx;
  for (const l of letters) metrics.deadLetters.inc({ stage: l.stage });
  logger.warn(
    { count: letters.length, reasons: [...new Set(letters.map((l) => l.reason))].slice(0, 5) },
    'dead letters',
  );
  const kafka = ctx.kafka;
  const left = kafka
    ? ((await call('publish dead letters', 'kafka', () => kafka.publishDeadLetters(letters, signal)))
        ?.refused ?? [])
    : letters;
  if (left.length === 0) return;
  const elastic = ctx.elastic;
  if (elastic?.recordDeadLetters) {
    await call('record dead letters', 'elasticsearch', () => elastic.recordDeadLetters!(left, signal));
    return;
  }
  // Kafka refused them and the search sink is off: nowhere durable is left but the log.
  for (const l of left)
    logger.error(
      { logId: l.logId, inodeId: l.inodeId, stage: l.stage, reason: l.reason },
      'dead letter kept nowhere but this log',
    );
}

/** Rows the source could not parse: dead letters of the parse stage. */
export function poisonLetters(batch: Batch): DeadLetter[] {
  return batch.poison.map((p) => ({
    logId: p.logId,
    inodeId: typeof p.raw.inode_id === 'number' ? p.raw.inode_id : undefined,
    stage: 'parse' as const,
    reason: p.reason,
    row: p.raw,
    epoch: batch.epoch,
  }));
}
