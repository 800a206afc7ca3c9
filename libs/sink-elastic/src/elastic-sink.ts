import { Client, type ClientOptions } from '@elastic/elasticsearch';
import { type DeadLetter, EpipeError, type Logger } from '@epipe/core';
import PQueue from 'p-queue';
import { splitBulks, writeOp, type BulkOp } from './bulk';
import {
  planChanges,
  type ChangePlan,
  type InodeChange,
  type PlannedWrite,
  type WriteChange,
} from './changes';
import type { ElasticSinkConfig } from './config';
import { sendBulk, type SinkContext } from './context';
import { requestWithRetry, toSinkError } from './errors';
import { createAliasedIndexIfMissing } from './alias';
import { writeDeadLetters } from './dead-letters';
import { INODE_FIELDS } from './fields';
import { applyMoves, type WrittenDocs } from './move';
import { syncSubtreePage, type SubtreeOutcome, type SubtreePage } from './resync';
import { buildIndexTemplate, indexTemplateName, INODE_MAPPINGS } from './template';

export interface ApplyResult {
  /** Changes the cluster refused for what they are (400); the caller dead-letters them. */
  rejected: { change: InodeChange; reason: string }[];
}

export interface ElasticSink {
  /**
   * Checks the cluster, puts the index template, creates the index if missing and sets its
   * refresh interval (idempotent).
   */
  start(signal?: AbortSignal): Promise<void>;
  /**
   * Applies changes with in-order semantics: the index ends as if they were applied one at a
   * time. The writes go out as concurrent bulks (one change per inode, versions keep the order),
   * then every move at once: each document below a moved directory is found once and moved
   * through the call's moves in order (see move.ts).
   */
  apply(changes: InodeChange[], signal?: AbortSignal): Promise<ApplyResult>;
  /**
   * Makes the index hold exactly the covered inodes of one page of a subtree that crossed the
   * filters' boundary (see resync.ts); after apply() of the batch that moved or tagged it.
   */
  syncSubtree(page: SubtreePage, signal?: AbortSignal): Promise<SubtreeOutcome>;
  /**
   * Whether a search finds the inode's document at this version or a newer one: what a user's
   * search sees, which is only what the index refreshed (a GET is realtime and would not tell).
   * One request, not retried: its caller polls.
   */
  searchable(inodeId: number, version: number, signal?: AbortSignal): Promise<boolean>;
  /** Keeps dead letters in `<index>-dead-letters` (see dead-letters.ts). */
  recordDeadLetters(letters: DeadLetter[], signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** No metrics: deliveries, latency and errors are counted by the pipeline, per call. */
export interface ElasticSinkDeps {
  logger: Logger;
}

export function createElasticSink(config: ElasticSinkConfig, deps: ElasticSinkDeps): ElasticSink {
  return new ElasticSinkImpl(config, deps.logger.child({ component: 'sink-elastic' }));
}

export function clientOptions(config: ElasticSinkConfig): ClientOptions {
  const options: ClientOptions = {
    node: config.url,
    requestTimeout: config.requestTimeoutMs,
    // The sink retries with backoff itself; the client's immediate retries would multiply them.
    maxRetries: 0,
  };
  if (config.apiKey) options.auth = { apiKey: config.apiKey };
  else if (config.username) options.auth = { username: config.username, password: config.password ?? '' };
  if (config.caFingerprint) options.caFingerprint = config.caFingerprint;
  if (config.tls) options.tls = { ...config.tls, rejectUnauthorized: true };
  return options;
}

class ElasticSinkImpl implements ElasticSink {
  private readonly ctx: SinkContext;
  private started = false;
  private closed = false;
  /** Documents written since the last refresh, which a move's search would not see. */
  private unrefreshed = true;

  constructor(
    private readonly config: ElasticSinkConfig,
    private readonly logger: Logger,
  ) {
    this.ctx = {
      client: new Client(clientOptions(config)),
      config,
      logger,
      queue: new PQueue({ concurrency: Math.max(1, config.concurrency) }),
      request: (what, send, signal) => this.request(what, send, signal),
    };
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.started) return;
    this.assertOpen();
    const { client } = this.ctx;
    const index = this.config.index;
    // Not ping(): HEAD / is not served by every distribution (the integ-test one answers 405).
    await this.request('checking the cluster', (s) => client.cluster.health({}, { signal: s }), signal);
    await this.request(
      'putting the index template',
      (s) =>
        client.indices.putIndexTemplate(
          { name: indexTemplateName(index), ...buildIndexTemplate(this.config) },
          { signal: s },
        ),
      signal,
    );
    await this.request('creating the index', (s) => this.createIndexIfMissing(s), signal);
    // The template shapes only indices created from now on: an existing index (behind the alias,
    // or an older epipe's) takes the configured refresh interval here, so a change applies on restart.
    await this.request(
      'setting the refresh interval',
      (s) =>
        client.indices.putSettings(
          { index, settings: { index: { refresh_interval: this.config.refreshInterval } } },
          { signal: s },
        ),
      signal,
    );
    // An index created by an older epipe gets the fields added since; a conflicting change fails
    // here, at start, with the server's reason, instead of on every document.
    await this.request(
      'updating the index mapping',
      (s) => client.indices.putMapping({ index, ...INODE_MAPPINGS }, { signal: s }),
      signal,
    );
    this.started = true;
    this.logger.info({ index }, 'elasticsearch sink started');
  }

  async apply(changes: InodeChange[], signal?: AbortSignal): Promise<ApplyResult> {
    this.assertOpen();
    const rejected: ApplyResult['rejected'] = [];
    const plan = planChanges(changes);
    try {
      if (plan.moves.length === 0) await this.applyWrites(plan.writes, rejected, signal);
      else await this.applyWithMoves(plan, rejected, signal);
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      throw toSinkError(err, 'applying changes');
    }
    for (const r of rejected)
      this.logger.warn({ kind: r.change.kind, reason: r.reason }, 'elasticsearch refused a change');
    return { rejected };
  }

  async syncSubtree(page: SubtreePage, signal?: AbortSignal): Promise<SubtreeOutcome> {
    this.assertOpen();
    try {
      // It reads the stored versions by a search, which sees only refreshed documents.
      if (this.unrefreshed) await this.refresh(signal);
      this.unrefreshed = true; // until the page is known to have written nothing
      const outcome = await syncSubtreePage(this.ctx, page, signal);
      this.unrefreshed = outcome.written + outcome.deleted > 0 || outcome.rejected.length > 0;
      return outcome;
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      throw toSinkError(err, 'syncing a subtree');
    }
  }

  async searchable(inodeId: number, version: number, signal?: AbortSignal): Promise<boolean> {
    this.assertOpen();
    const res = await this.ctx.client.search(
      {
        index: this.config.index,
        size: 0,
        track_total_hits: 1,
        query: {
          bool: {
            filter: [
              { term: { [INODE_FIELDS.inodeId]: inodeId } },
              { range: { [INODE_FIELDS.logicalTime]: { gte: version } } },
            ],
          },
        },
      },
      { signal },
    );
    const total = res.hits.total;
    return (typeof total === 'number' ? total : (total?.value ?? 0)) > 0;
  }

  async recordDeadLetters(letters: DeadLetter[], signal?: AbortSignal): Promise<void> {
    this.assertOpen();
    await this.request(
      'recording dead letters',
      (s) => writeDeadLetters(this.ctx.client, this.config.index, letters, s),
      signal,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ctx.queue.clear();
    await this.ctx.queue.onIdle();
    await this.ctx.client.close();
    this.logger.info('elasticsearch sink closed');
  }

  /** Writes one change per inode in concurrent bulks; returns what the cluster applied. */
  private async applyWrites(
    writes: PlannedWrite[],
    rejected: ApplyResult['rejected'],
    signal?: AbortSignal,
  ): Promise<WrittenDocs> {
    const written: WrittenDocs = new Map();
    if (writes.length === 0) return written;
    this.unrefreshed = true;
    const movesBefore = new Map(writes.map((w) => [w.change, w.movesBefore]));
    const ops = writes.map((w) => writeOp(this.config.index, w.change));
    const bulks = splitBulks(ops, this.config.bulkMaxBytes, this.config.bulkMaxDocs);
    // Settle every bulk before reporting a failure, so no request of this call outlives it.
    const results = await Promise.allSettled(
      bulks.map((bulk) => this.ctx.queue.add(() => sendBulk(this.ctx, bulk, 'write', signal))),
    );
    results.forEach((result, i) => {
      if (result.status === 'rejected') throw toSinkError(result.reason, 'writing inode documents');
      const notApplied = new Set<BulkOp>(result.value.superseded);
      for (const r of result.value.rejected) {
        rejected.push({ change: r.op.change, reason: r.reason });
        notApplied.add(r.op);
      }
      for (const op of bulks[i]!) {
        if (notApplied.has(op)) continue;
        const change = op.change as WriteChange;
        written.set(
          op.id,
          change.kind === 'delete'
            ? 'deleted'
            : { source: op.doc!, version: change.doc.logicalTime, movesBefore: movesBefore.get(change) ?? 0 },
        );
      }
    });
    return written;
  }

  /**
   * The writes, then every move of the call at once. The search for documents below the moved
   * directories sees only refreshed documents: one refresh, when anything was written since the
   * last one, while this call's writes go out (their documents are moved from memory, so the
   * refresh need not wait for them). A barrier per move, with a refresh and a search each, made
   * directory moves the search sink's bottleneck.
   */
  private async applyWithMoves(
    plan: ChangePlan,
    rejected: ApplyResult['rejected'],
    signal?: AbortSignal,
  ): Promise<void> {
    const refresh = this.unrefreshed ? this.refresh(signal) : Promise.resolve();
    const [writes, refreshed] = await Promise.allSettled([
      this.applyWrites(plan.writes, rejected, signal),
      refresh,
    ]);
    if (writes.status === 'rejected') throw writes.reason;
    if (refreshed.status === 'rejected') throw refreshed.reason;
    this.unrefreshed = true; // until the moves are known to have written nothing
    const outcome = await applyMoves(this.ctx, plan.moves, writes.value, signal);
    this.unrefreshed = plan.writes.length > 0 || outcome.rewritten > 0 || outcome.rejected.length > 0;
    rejected.push(...outcome.rejected);
    this.logger.debug(
      { moves: plan.moves.length, rewritten: outcome.rewritten, rejected: outcome.rejected.length },
      'directory moves applied',
    );
  }

  private async refresh(signal?: AbortSignal): Promise<void> {
    const index = this.config.index;
    await this.request(
      'refreshing the index',
      (s) => this.ctx.client.indices.refresh({ index }, { signal: s }),
      signal,
    );
  }

  private async createIndexIfMissing(signal?: AbortSignal): Promise<void> {
    if (await createAliasedIndexIfMissing(this.ctx.client, this.config.index, signal))
      this.logger.info({ index: this.config.index }, 'index created behind its alias');
  }

  private request<T>(
    what: string,
    send: (signal?: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    return requestWithRetry(what, send, { maxRetries: this.config.maxRetries, logger: this.logger }, signal);
  }

  private assertOpen(): void {
    if (this.closed) throw new EpipeError('SINK_ELASTIC', 'the elasticsearch sink is closed');
  }
}
