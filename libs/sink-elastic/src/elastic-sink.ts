import { Client, type ClientOptions } from '@elastic/elasticsearch';
import { type DeadLetter, EpipeError, retry, type Logger } from '@epipe/core';
import PQueue from 'p-queue';
import { splitBulks, writeOp } from './bulk';
import {
  dedupePerInode,
  segmentChanges,
  type InodeChange,
  type MoveChange,
  type WriteChange,
} from './changes';
import type { ElasticSinkConfig } from './config';
import { sendBulk, type SinkContext } from './context';
import { isRetriableElasticError, toSinkError } from './errors';
import { createAliasedIndexIfMissing } from './alias';
import { writeDeadLetters } from './dead-letters';
import { rewriteDescendants } from './move';
import { syncSubtreePage, type SubtreePage } from './resync';
import { buildIndexTemplate, indexTemplateName, INODE_MAPPINGS } from './template';

export interface ApplyResult {
  /** Changes the cluster refused for what they are (400); the caller dead-letters them. */
  rejected: { change: InodeChange; reason: string }[];
}

export interface ElasticSink {
  /** Checks the cluster, puts the index template, creates the index if missing (idempotent). */
  start(signal?: AbortSignal): Promise<void>;
  /**
   * Applies changes with in-order semantics: writes between two moves go out as concurrent
   * bulks (one change per inode, versions keep the order); a move waits for everything before
   * it and is visible to everything after it.
   */
  apply(changes: InodeChange[], signal?: AbortSignal): Promise<ApplyResult>;
  /**
   * Makes the index hold exactly the covered inodes of one page of a subtree that crossed the
   * filters' boundary (see resync.ts); after apply() of the batch that moved or tagged it.
   */
  syncSubtree(page: SubtreePage, signal?: AbortSignal): Promise<ApplyResult>;
  /** Keeps dead letters in `<index>-dead-letters` (see dead-letters.ts). */
  recordDeadLetters(letters: DeadLetter[], signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** No metrics: deliveries, latency and errors are counted by the pipeline, per call. */
export interface ElasticSinkDeps {
  logger: Logger;
}

const REQUEST_RETRY_MIN_MS = 100;
const REQUEST_RETRY_MAX_MS = 5_000;

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
    try {
      for (const segment of segmentChanges(changes)) {
        signal?.throwIfAborted();
        if (segment.kind === 'move') await this.applyMove(segment.change, rejected, signal);
        else await this.applyWrites(segment.changes, rejected, signal);
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      throw toSinkError(err, 'applying changes');
    }
    for (const r of rejected)
      this.logger.warn({ kind: r.change.kind, reason: r.reason }, 'elasticsearch refused a change');
    return { rejected };
  }

  async syncSubtree(page: SubtreePage, signal?: AbortSignal): Promise<ApplyResult> {
    this.assertOpen();
    try {
      // It reads the stored versions by a search, which sees only refreshed documents.
      if (this.unrefreshed) await this.refresh(signal);
      this.unrefreshed = true; // until the page is known to have written nothing
      const outcome = await syncSubtreePage(this.ctx, page, signal);
      this.unrefreshed = outcome.written + outcome.deleted > 0 || outcome.rejected.length > 0;
      return { rejected: outcome.rejected };
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      throw toSinkError(err, 'syncing a subtree');
    }
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

  private async applyWrites(
    changes: WriteChange[],
    rejected: ApplyResult['rejected'],
    signal?: AbortSignal,
  ): Promise<void> {
    this.unrefreshed = true;
    const ops = dedupePerInode(changes).map((change) => writeOp(this.config.index, change));
    const bulks = splitBulks(ops, this.config.bulkMaxBytes, this.config.bulkMaxDocs);
    // Settle every bulk before reporting a failure, so no request of this call outlives it.
    const results = await Promise.allSettled(
      bulks.map((bulk) => this.ctx.queue.add(() => sendBulk(this.ctx, bulk, 'write', signal))),
    );
    for (const result of results) {
      if (result.status === 'rejected') throw toSinkError(result.reason, 'writing inode documents');
      for (const r of result.value.rejected) rejected.push({ change: r.op.change, reason: r.reason });
    }
  }

  private async applyMove(
    move: MoveChange,
    rejected: ApplyResult['rejected'],
    signal?: AbortSignal,
  ): Promise<void> {
    // A search sees only refreshed documents: refresh when anything was written since the last
    // refresh (this call's writes, an earlier move's rewrites, an earlier call's). A refresh per
    // move, before and after, made directory moves the search sink's bottleneck.
    if (this.unrefreshed) {
      await this.refresh(signal);
      this.unrefreshed = false;
    }
    this.unrefreshed = true; // until the rewrite is known to have written nothing
    const outcome = await rewriteDescendants(this.ctx, move, signal);
    this.unrefreshed = outcome.rewritten > 0 || outcome.rejected.length > 0;
    rejected.push(...outcome.rejected);
    this.logger.debug(
      { dirInodeId: move.dirInodeId, rewritten: outcome.rewritten, rejected: outcome.rejected.length },
      'directory move applied',
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

  private async request<T>(
    what: string,
    send: (signal?: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    try {
      const value = await retry(() => send(signal), {
        attempts: this.config.maxRetries + 1,
        minDelayMs: REQUEST_RETRY_MIN_MS,
        maxDelayMs: REQUEST_RETRY_MAX_MS,
        retriable: isRetriableElasticError,
        ...(signal ? { signal } : {}),
        onRetry: (err, attempt, delayMs) =>
          this.logger.warn(
            { err: toSinkError(err, what).message, attempt, delayMs },
            `${what} failed; retrying`,
          ),
      });
      return value;
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      throw toSinkError(err, what);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EpipeError('SINK_ELASTIC', 'the elasticsearch sink is closed');
  }
}
