import type { Batch, ByteBudget } from '@epipe/core';
import { AckStage } from './ack-stage';
import type { Call } from './call';
import type { PipelineConfig } from './config';
import type { PipelineDeps } from './deps';
import { EpochReport } from './epoch-report';
import { InOrder } from './in-order';
import { Lookahead } from './lookahead';
import { ProvenanceStage } from './provenance-stage';
import { SearchableProbe } from './searchable-probe';
import { type SinkContext, deadLetter, indexChanges, poisonLetters, publishEvents } from './sinks';

/** How many batches the enrich stage may run ahead of delivery (see Lookahead). */
const LOOKAHEAD_DEPTH = 3;

/**
 * The stages a batch goes through after the epoch stage, each handling one batch at a time in
 * (epoch, part) order, different stages working on different batches at once:
 *
 *   enrich → Kafka ∥ search index ∥ coalesce (provenance) → dead letters → ack (DELETE)
 *
 * so a batch completes only after every earlier one did.
 */
export class BatchFlow {
  private readonly enrichStage = new InOrder();
  private readonly kafkaStage = new InOrder();
  private readonly searchStage = new InOrder();
  private readonly coalesceStage = new InOrder();
  private readonly ackStage = new InOrder();
  /**
   * Enrichment at most three batches ahead of delivery (see Lookahead): memory bounded whatever
   * the backlog, and the faster sink may still run a batch ahead of the slower one.
   */
  private readonly lookahead = new Lookahead(LOOKAHEAD_DEPTH);
  private readonly sinks: SinkContext;
  private readonly provenance: ProvenanceStage | null;
  private readonly acks: AckStage;
  private readonly report: EpochReport;
  /** Batches dispatched and not yet acknowledged. */
  private readonly pending = new Set<Batch>();
  /** Batches dispatched whose sinks and coalesce stage are not done with them yet. */
  private undelivered = 0;
  /** Dispatch order: the coalescer's batch numbers. */
  private batchSeq = 0;
  private lastTickAtMs = 0;
  private ticking = false;
  private readonly tickEveryMs: number;

  constructor(
    config: PipelineConfig,
    private readonly deps: PipelineDeps,
    private readonly lifetime: {
      call: Call;
      budget: ByteBudget;
      fail: (err: unknown) => void;
      signal: AbortSignal;
    },
  ) {
    const { metrics, logger } = deps;
    const { call, signal } = lifetime;
    const enricher = deps.enricher;
    const subtrees = enricher.subtree ? { subtree: enricher.subtree.bind(enricher) } : null;
    const elastic = deps.elastic;
    const probe = elastic?.searchable
      ? new SearchableProbe(
          { searchable: elastic.searchable.bind(elastic) },
          metrics,
          logger,
          deps.searchableProbe,
        )
      : null;
    this.sinks = { kafka: deps.kafka, elastic, subtrees, call, probe, metrics, logger, signal };
    const provenanceKafka = deps.provenanceKafka ?? null;
    const provenanceIndex = deps.provenanceIndex ?? null;
    this.provenance =
      config.provenance && (provenanceKafka || provenanceIndex)
        ? new ProvenanceStage(config.provenance, {
            kafka: provenanceKafka,
            index: provenanceIndex,
            call,
            deadLetter: (letters) => deadLetter(this.sinks, letters),
            metrics,
            logger,
            signal,
          })
        : null;
    this.tickEveryMs = config.provenance ? Math.max(50, Math.min(1_000, config.provenance.graceMs / 4)) : 0;
    this.acks = new AckStage({
      acker: deps.acker,
      call,
      metrics,
      onProgress: deps.onProgress,
      firstHeldBatch: () => this.provenance?.firstHeldBatch() ?? null,
    });
    this.report = new EpochReport(metrics, deps.onRead);
  }

  /** Starts a batch through every stage; a failure of any of them ends the lifetime. */
  dispatch(batch: Batch): void {
    const { deps, sinks } = this;
    this.report.batch(batch);
    // An empty epoch only shows progress. Behind a slow sink, queueing one every few
    // milliseconds would grow memory without bound, so it is dropped while work is in flight.
    if (batch.rows.length === 0 && batch.poison.length === 0 && this.pending.size > 0) return;
    this.pending.add(batch);
    deps.metrics.inflightBatches.set(this.pending.size);
    const seq = this.batchSeq++;

    const enriched = this.enrichStage.run(this.lookahead.next(), async () => {
      const end = deps.metrics.enrichLatency.startTimer();
      const result = await sinks.call('enrich', 'mysql', () => deps.enricher.enrich(batch));
      end();
      return result;
    });
    const kafkaDead = this.kafkaStage.run(enriched, (result) => publishEvents(sinks, batch, result));
    const searchDead = this.searchStage.run(enriched, (result) => indexChanges(sinks, result));
    // The coalesce stage: the windows this batch closes are published before its ack.
    const provenance = this.provenance;
    const coalesced = provenance
      ? this.coalesceStage.run(enriched, (result) => provenance.add(seq, batch, result))
      : Promise.resolve();
    const delivered = Promise.all([enriched, kafkaDead, searchDead, coalesced]);
    this.lookahead.dispatched(delivered);
    this.undelivered++;
    const settled = (): void => void this.undelivered--;
    delivered.then(settled, settled);
    const acked = this.ackStage.run(delivered, async ([result, kafka, search]) => {
      const dead = [...poisonLetters(batch), ...result.dead, ...kafka, ...search];
      if (dead.length > 0) await deadLetter(sinks, dead);
      await this.acks.acknowledge(seq, batch, result);
    });
    acked.then(
      () => this.done(batch),
      (err: unknown) => this.lifetime.fail(err),
    );
  }

  /**
   * Batches queue behind a stage: as many are undelivered as the lookahead lets the enrich stage
   * work on (the next would wait to be enriched), or as many delivered wait for their DELETE. Each stage pays about one round trip per batch whatever its size, so a batch closed
   * now would only wait in line; the epoch stage holds its open epoch instead (see
   * `EpochBuilder.tick`), and the queue drains in fewer, bigger batches.
   */
  get busy(): boolean {
    return this.undelivered >= LOOKAHEAD_DEPTH || this.pending.size - this.undelivered >= LOOKAHEAD_DEPTH;
  }

  /** Publishes the provenance windows that are due, at most every quarter of the grace (≤ 1 s). */
  tickProvenance(): void {
    if (!this.provenance || this.ticking || Date.now() - this.lastTickAtMs < this.tickEveryMs) return;
    this.lastTickAtMs = Date.now();
    this.ticking = true;
    this.provenanceStep((s) => s.tick().finally(() => (this.ticking = false)));
  }

  /** A clean stop: every window closes and is published, so every delivered row can be deleted. */
  flushProvenance(): void {
    this.provenanceStep((s) => s.flush());
  }

  /** Settles when every batch dispatched so far is acknowledged (rejected if one failed). */
  get acknowledged(): Promise<unknown> {
    return this.ackStage.settled;
  }

  /** Log ids dispatched or delivered and not yet deleted: what the missed-row check must not count. */
  inFlightIds(): Set<number> {
    const ids = new Set<number>();
    for (const b of this.pending) for (const r of b.rows) ids.add(r.logId);
    for (const id of this.acks.waitingIds()) ids.add(id);
    return ids;
  }

  /** The lifetime ends (or stops reading for a clean stop): no more searchable-lag samples. */
  stopProbe(): void {
    this.sinks.probe?.stop();
  }

  /** Runs a step on the coalesce stage, then lets the ack stage delete what it released. */
  private provenanceStep(step: (s: ProvenanceStage) => Promise<void>): void {
    const provenance = this.provenance;
    if (!provenance) return;
    const done = this.coalesceStage.run(Promise.resolve(), () => step(provenance));
    this.ackStage.run(done, () => this.acks.release()).catch((err: unknown) => this.lifetime.fail(err));
  }

  private done(batch: Batch): void {
    const { metrics } = this.deps;
    this.lifetime.budget.release(batch.bytes);
    this.pending.delete(batch);
    metrics.inflightBatches.set(this.pending.size);
    metrics.inflightBytes.set(this.lifetime.budget.inUse);
  }
}
