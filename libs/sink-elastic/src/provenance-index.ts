import { Client, type estypes } from '@elastic/elasticsearch';
import {
  backoffDelay,
  EpipeError,
  lineageEdgeId,
  sleep,
  type ArtifactKind,
  type ArtifactName,
  type InodeQuery,
  type OperationQuery,
  type ProvenanceReader,
  type ArtifactState,
  type LineageEdge,
  type Logger,
  type ProvenanceEvent,
  type ProvenanceOperationRecord,
} from '@epipe/core';
import { classifyItem, responseItems } from './bulk';
import { searchPages } from './paging';
import { clientOptions } from './elastic-sink';
import type { ElasticSinkConfig } from './config';
import { requestWithRetry, responseErrorType } from './errors';
import type { InodeSource } from './fields';
import {
  appFromSource,
  artifactFromSource,
  artifactRefFromSource,
  artifactSource,
  edgeFromSource,
  edgeSource,
  operationSource,
  provenanceIndexNames,
  provenanceTemplates,
  type ArtifactSource,
  type EdgeSource,
  type OperationSource,
  type ProvenanceIndexNames,
} from './provenance-docs';

export type ProvenanceIndexConfig = Omit<
  ElasticSinkConfig,
  'index' | 'bulkMaxBytes' | 'bulkMaxDocs' | 'concurrency'
> & {
  /** Indices are `<prefix>_artifacts`, `<prefix>_operations`, `<prefix>_edges`. */
  indexPrefix: string;
  /** The inode index, for file search; absent when only provenance is read. */
  inodeIndex?: string;
};

/** A directory as the inode index holds it. */
export interface InodeSnapshot {
  logicalTime: number;
  /** Ancestor inode ids, '/' first, without the directory itself. */
  ancestorIds: number[];
  xattrs: Record<string, string>;
}

export interface WriteOutcome {
  /** Documents the cluster refused for what they are (400), with its reason. */
  rejected: { id: string; reason: string }[];
}

export interface ArtifactTouchRow {
  artifact: { id: number; kind: ArtifactKind; project: string };
  atMs: number;
}

/**
 * Writes and reads the provenance indices; the only other user of the Elasticsearch client
 * besides the inode sink. Writes are whole documents and idempotent: artifacts carry the root's
 * logical_time as external version, operations and edges are created once under an id derived
 * from what they describe; a 409 means the document is already there, which is success.
 */
export interface ProvenanceIndex extends ProvenanceReader<InodeSource> {
  readonly names: ProvenanceIndexNames;
  /** Checks the cluster, puts the three templates, creates missing indices (idempotent). */
  start(signal?: AbortSignal): Promise<void>;
  writeArtifacts(artifacts: readonly ArtifactState[], signal?: AbortSignal): Promise<WriteOutcome>;
  writeOperations(events: readonly ProvenanceEvent[], signal?: AbortSignal): Promise<WriteOutcome>;
  writeEdges(edges: readonly LineageEdge[], signal?: AbortSignal): Promise<WriteOutcome>;
  /** Makes everything written so far searchable (tests, the demo). */
  refresh(signal?: AbortSignal): Promise<void>;

  /**
   * Live (not deleted) artifacts below any of these directories, by ancestor id: what a rename
   * of a container directory (`Models/fraud`) must re-derive names for. Near-real-time: an
   * artifact written in the last refresh interval may be missing (the caller's cache has it).
   */
  artifactsUnder(dirIds: readonly number[], signal?: AbortSignal): Promise<ArtifactState[]>;
  /**
   * What the inode index holds of these directories (logical_time, ancestors, xattrs): the
   * root of an artifact first seen through a read was not written while epipe watched.
   * Needs `inodeIndex`; without it, or for a directory it lacks, nothing is returned.
   */
  rootSnapshots(ids: readonly number[], signal?: AbortSignal): Promise<Map<number, InodeSnapshot>>;
  /** Per artifact, what one app first read and first wrote (the edge builder's store port). */
  appHistory(
    appId: string,
    signal?: AbortSignal,
  ): Promise<{ app: null; inputs: ArtifactTouchRow[]; outputs: ArtifactTouchRow[] }>;
  close(): Promise<void>;
}

export interface ProvenanceIndexDeps {
  logger: Logger;
}

export function createProvenanceIndex(
  config: ProvenanceIndexConfig,
  deps: ProvenanceIndexDeps,
): ProvenanceIndex {
  return new ElasticProvenanceIndex(config, deps.logger.child({ component: 'provenance-index' }));
}

const MAX_TERMS = 10_000;
/** Hits per page of a paged search. */
const PAGE = 1_000;
/** Documents per bulk request; an operation document is under 1 KiB, an edge a few hundred bytes. */
const BULK_MAX_DOCS = 2_000;

class ElasticProvenanceIndex implements ProvenanceIndex {
  readonly names: ProvenanceIndexNames;
  private readonly client: Client;

  constructor(
    private readonly config: ProvenanceIndexConfig,
    private readonly logger: Logger,
  ) {
    this.names = provenanceIndexNames(config.indexPrefix);
    this.client = new Client(
      clientOptions({ ...config, index: '', bulkMaxBytes: 0, bulkMaxDocs: 0, concurrency: 1 }),
    );
  }

  async start(signal?: AbortSignal): Promise<void> {
    await this.request('checking the cluster', (s) => this.client.cluster.health({}, { signal: s }), signal);
    for (const t of provenanceTemplates(this.names, this.config)) {
      await this.request(
        `putting template ${t.name}`,
        (s) => this.client.indices.putIndexTemplate({ name: t.name, ...t.body }, { signal: s }),
        signal,
      );
      await this.request(
        `creating index ${t.index}`,
        async (s) => {
          try {
            await this.client.indices.create({ index: t.index }, { signal: s });
          } catch (err) {
            if (responseErrorType(err) !== 'resource_already_exists_exception') throw err;
            // An index made by an older version lacks newer fields, and strict mappings would
            // refuse every document that has them: adding fields is always allowed.
            await this.client.indices.putMapping({ index: t.index, ...t.mappings }, { signal: s });
          }
        },
        signal,
      );
    }
    await this.checkBuiltIns(signal);
    this.logger.info({ indices: this.names }, 'provenance indices ready');
  }

  /**
   * The queries rely only on what every distribution has built in; a cluster that refuses one
   * of them is refused here, at start, with the feature's name, not on a user's first query.
   */
  private async checkBuiltIns(signal?: AbortSignal): Promise<void> {
    const probes: [string, object][] = [
      [
        'terms, range and bool queries',
        {
          query: { bool: { filter: [{ terms: { from_id: [0] } }, { range: { since: { lte: 0 } } }] } },
          size: 0,
        },
      ],
      [
        'composite aggregations',
        { size: 0, aggs: { c: { composite: { size: 1, sources: [{ a: { terms: { field: 'to_id' } } }] } } } },
      ],
      ['collapse', { size: 1, collapse: { field: 'to_id' } }],
      ['search_after', { size: 1, sort: [{ since: 'asc' }, { from_id: 'asc' }], search_after: [0, 0] }],
    ];
    const res = await this.request(
      'checking built-in query features',
      (s) =>
        this.client.msearch(
          { searches: probes.flatMap(([, body]) => [{ index: this.names.edges }, body]) },
          { signal: s },
        ),
      signal,
    );
    res.responses.forEach((r, i) => {
      if ('error' in r)
        throw new EpipeError(
          'SERVER_MISCONFIGURED',
          `Elasticsearch refuses ${probes[i]![0]}, which provenance queries need: ${r.error.type}: ${r.error.reason ?? ''}`,
        );
    });
    await this.request(
      'checking mget',
      (s) => this.client.mget({ index: this.names.artifacts, ids: ['0'] }, { signal: s }),
      signal,
    );
  }

  writeArtifacts(artifacts: readonly ArtifactState[], signal?: AbortSignal): Promise<WriteOutcome> {
    return this.bulk(
      artifacts.map((a) => ({
        action: {
          index: {
            _index: this.names.artifacts,
            _id: String(a.id),
            version: a.logicalTime,
            version_type: 'external' as const,
          },
        },
        doc: artifactSource(a),
      })),
      signal,
    );
  }

  writeOperations(events: readonly ProvenanceEvent[], signal?: AbortSignal): Promise<WriteOutcome> {
    return this.bulk(
      events.map((e) => ({
        action: { create: { _index: this.names.operations, _id: e.eventId } },
        doc: operationSource(e),
      })),
      signal,
    );
  }

  writeEdges(edges: readonly LineageEdge[], signal?: AbortSignal): Promise<WriteOutcome> {
    return this.bulk(
      edges.map((e) => ({
        action: { create: { _index: this.names.edges, _id: lineageEdgeId(e) } },
        doc: edgeSource(e),
      })),
      signal,
    );
  }

  async refresh(signal?: AbortSignal): Promise<void> {
    const index = [this.names.artifacts, this.names.operations, this.names.edges];
    if (this.config.inodeIndex) index.push(this.config.inodeIndex);
    await this.request(
      'refreshing',
      (s) => this.client.indices.refresh({ index, ignore_unavailable: true }, { signal: s }),
      signal,
    );
  }

  async artifacts(ids: readonly number[], signal?: AbortSignal): Promise<ArtifactState[]> {
    if (ids.length === 0) return [];
    const res = await this.request(
      'reading artifacts',
      (s) =>
        this.client.mget<ArtifactSource>(
          { index: this.names.artifacts, ids: ids.map(String) },
          { signal: s },
        ),
      signal,
    );
    const out: ArtifactState[] = [];
    for (const doc of res.docs)
      if ('found' in doc && doc.found && doc._source) out.push(artifactFromSource(doc._source));
    return out;
  }

  async artifactsUnder(dirIds: readonly number[], signal?: AbortSignal): Promise<ArtifactState[]> {
    if (dirIds.length === 0) return [];
    const out: ArtifactState[] = [];
    // Paged: a renamed project folder can hold any number of artifacts.
    const pages = searchPages<ArtifactSource>(
      {
        index: this.names.artifacts,
        query: {
          bool: {
            filter: [{ terms: { ancestor_ids: [...dirIds] } }],
            must_not: [{ term: { deleted: true } }],
          },
        },
        size: PAGE,
        sort: [{ artifact_id: 'asc' }],
      },
      (body) => this.search<ArtifactSource>('reading artifacts below a directory', body, signal),
    );
    for await (const hits of pages)
      for (const h of hits) if (h._source) out.push(artifactFromSource(h._source));
    return out;
  }

  async rootSnapshots(ids: readonly number[], signal?: AbortSignal): Promise<Map<number, InodeSnapshot>> {
    const index = this.config.inodeIndex;
    const out = new Map<number, InodeSnapshot>();
    if (!index || ids.length === 0) return out;
    const res = await this.request(
      'reading artifact roots from the inode index',
      (s) =>
        this.client.mget<InodeSource>(
          { index, ids: ids.map(String), _source: ['logical_time', 'ancestor_ids', 'xattrs'] },
          { signal: s },
        ),
      signal,
    );
    for (const doc of res.docs) {
      if (!('found' in doc) || !doc.found || !doc._source) continue;
      const s = doc._source;
      out.set(Number(doc._id), {
        logicalTime: s.logical_time,
        ancestorIds: s.ancestor_ids,
        xattrs: s.xattrs,
      });
    }
    return out;
  }

  async edges(
    ids: readonly number[],
    direction: 'up' | 'down',
    options: { asOfMs?: number; size: number },
    signal?: AbortSignal,
  ): Promise<LineageEdge[]> {
    if (ids.length === 0) return [];
    const filter: estypes.QueryDslQueryContainer[] = [
      { terms: { [direction === 'up' ? 'to_id' : 'from_id']: ids.slice(0, MAX_TERMS) } },
    ];
    if (options.asOfMs !== undefined) filter.push({ range: { since: { lte: options.asOfMs } } });
    const res = await this.search<EdgeSource>(
      'reading lineage edges',
      {
        index: this.names.edges,
        query: { bool: { filter } },
        size: options.size,
        sort: [{ since: 'asc' }, { from_id: 'asc' }, { to_id: 'asc' }, { app_id: 'asc' }],
      },
      signal,
    );
    return res.hits.hits.map((h) => edgeFromSource(h._source!));
  }

  async operations(query: OperationQuery, signal?: AbortSignal): Promise<ProvenanceOperationRecord[]> {
    const filter: estypes.QueryDslQueryContainer[] = [];
    if (query.artifactIds) filter.push({ terms: { artifact_id: query.artifactIds } });
    if (query.appId !== undefined) filter.push({ term: { app_id: query.appId } });
    if (query.ops) filter.push({ terms: { op: query.ops } });
    if (query.sinceMs !== undefined || query.untilMs !== undefined)
      filter.push({
        range: {
          last_commit_ts: {
            ...(query.sinceMs !== undefined ? { gte: query.sinceMs } : {}),
            ...(query.untilMs !== undefined ? { lte: query.untilMs } : {}),
          },
        },
      });
    const res = await this.search<OperationSource>(
      'reading operations',
      {
        index: this.names.operations,
        query: { bool: { filter } },
        size: query.size ?? 1000,
        sort: [{ first_commit_ts: 'asc' }, { event_id: 'asc' }],
      },
      signal,
    );
    return res.hits.hits.map((h) => operationRecord(h._source!));
  }

  async appHistory(appId: string, signal?: AbortSignal) {
    const inputs: ArtifactTouchRow[] = [];
    const outputs: ArtifactTouchRow[] = [];
    let after: Record<string, string | number | null> | undefined;
    // A composite aggregation pages through (artifact, op) pairs however many the app touched.
    for (;;) {
      const res = await this.search(
        'reading an app history',
        {
          index: this.names.operations,
          size: 0,
          query: {
            bool: {
              filter: [{ term: { app_id: appId } }, { terms: { op: ['ACCESS', 'CREATE', 'MUTATION'] } }],
            },
          },
          aggs: {
            touched: {
              composite: {
                size: 1000,
                sources: [
                  { artifact_id: { terms: { field: 'artifact_id' } } },
                  { input: { terms: { field: 'op' } } },
                  { kind: { terms: { field: 'kind' } } },
                  { project: { terms: { field: 'project' } } },
                ],
                ...(after ? { after } : {}),
              },
              aggs: { first: { min: { field: 'first_commit_ts' } } },
            },
          },
        },
        signal,
      );
      const agg = res.aggregations?.touched as
        | {
            after_key?: Record<string, string | number | null>;
            buckets: { key: Record<string, string | number>; first: { value: number | null } }[];
          }
        | undefined;
      for (const b of agg?.buckets ?? []) {
        const row: ArtifactTouchRow = {
          artifact: {
            id: Number(b.key.artifact_id),
            kind: b.key.kind as ArtifactKind,
            project: String(b.key.project),
          },
          atMs: b.first.value ?? 0,
        };
        (b.key.input === 'ACCESS' ? inputs : outputs).push(row);
      }
      if (!agg?.after_key || agg.buckets.length === 0) break;
      after = agg.after_key;
    }
    return { app: null, inputs, outputs };
  }

  async resolve(by: ArtifactName, asOfMs: number | undefined, signal?: AbortSignal): Promise<number | null> {
    const filter: estypes.QueryDslQueryContainer[] =
      'path' in by
        ? [{ term: { path: by.path } }]
        : [
            { term: { project: by.project } },
            { term: { name: by.name } },
            by.version === null
              ? { bool: { must_not: { exists: { field: 'version' } } } }
              : { term: { version: by.version } },
          ];
    if (asOfMs !== undefined) filter.push({ range: { first_commit_ts: { lte: asOfMs } } });
    const res = await this.search<OperationSource>(
      'resolving an artifact',
      {
        index: this.names.operations,
        query: { bool: { filter } },
        size: 1,
        sort: [{ last_commit_ts: 'desc' }, { event_id: 'desc' }],
      },
      signal,
    );
    const hit = res.hits.hits[0]?._source;
    return hit ? hit.artifact_id : null;
  }

  async searchInodes(query: InodeQuery, signal?: AbortSignal): Promise<InodeSource[]> {
    const index = this.config.inodeIndex;
    if (!index) throw new EpipeError('CONFIG_INVALID', 'no inode index configured for file search');
    const filter: estypes.QueryDslQueryContainer[] = [];
    const must: estypes.QueryDslQueryContainer[] = [];
    if (query.project) filter.push({ term: { project: query.project } });
    if (query.under) filter.push({ term: { ancestor_paths: query.under.replace(/\/+$/, '') || '/' } });
    for (const [k, v] of Object.entries(query.xattrs ?? {}))
      filter.push({ term: { xattr_pairs: `${k}=${v}` } });
    if (query.text)
      must.push({
        multi_match: {
          query: query.text,
          fields: ['name^3', 'name_words^2', 'path.text', 'xattr_text'],
          operator: 'and',
        },
      });
    const sort: estypes.SortCombinations[] =
      must.length > 0 ? [{ _score: { order: 'desc' } }, { inode_id: 'asc' }] : [{ inode_id: 'asc' }];
    const res = await this.search<InodeSource>(
      'searching files',
      {
        index,
        query: { bool: { filter, must } },
        size: query.size ?? 50,
        sort,
      },
      signal,
    );
    return res.hits.hits.map((h) => h._source!);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Bounded requests, one after the other: provenance writes are small beside inode writes. */
  private async bulk(
    items: { action: estypes.BulkOperationContainer; doc: object }[],
    signal?: AbortSignal,
  ): Promise<WriteOutcome> {
    const rejected: WriteOutcome['rejected'] = [];
    for (let i = 0; i < items.length; i += BULK_MAX_DOCS)
      rejected.push(...(await this.bulkOnce(items.slice(i, i + BULK_MAX_DOCS), signal)).rejected);
    return { rejected };
  }

  private async bulkOnce(
    items: { action: estypes.BulkOperationContainer; doc: object }[],
    signal?: AbortSignal,
  ): Promise<WriteOutcome> {
    const rejected: WriteOutcome['rejected'] = [];
    let pending = items;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const lines = pending.flatMap((i) => [i.action, i.doc]);
      const res = await this.request(
        'writing provenance documents',
        (s) => this.client.bulk({ operations: lines, include_source_on_error: false }, { signal: s }),
        signal,
      );
      const results = responseItems(res);
      const again: typeof items = [];
      let lastReason = '';
      pending.forEach((item, i) => {
        // A 409 (version or create conflict) means the document is already there: success.
        const outcome = classifyItem(results[i], 'write');
        const meta = item.action.index ?? item.action.create;
        const id = meta?._id ?? '';
        if (outcome.kind === 'reject') rejected.push({ id, reason: outcome.reason });
        else if (outcome.kind === 'retry') {
          again.push(item);
          lastReason = outcome.reason;
        }
      });
      if (again.length > 0 && attempt > this.config.maxRetries)
        throw new EpipeError(
          'SINK_ELASTIC',
          `${again.length} provenance document(s) still failing: ${lastReason}`,
          {
            retriable: true,
          },
        );
      if (again.length > 0) await sleep(backoffDelay(attempt, 100, 5_000), signal);
      pending = again;
    }
    for (const r of rejected) this.logger.warn(r, 'elasticsearch refused a provenance document');
    return { rejected };
  }

  private search<T = unknown>(
    what: string,
    body: estypes.SearchRequest,
    signal?: AbortSignal,
  ): Promise<estypes.SearchResponse<T>> {
    return this.request(what, (s) => this.client.search<T>(body, { signal: s }), signal);
  }

  private request<T>(
    what: string,
    send: (signal?: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    return requestWithRetry(what, send, { maxRetries: this.config.maxRetries }, signal);
  }
}

function operationRecord(s: OperationSource): ProvenanceOperationRecord {
  return {
    eventId: s.event_id,
    artifact: artifactRefFromSource(s),
    op: s.op,
    detail: s.detail,
    count: s.count,
    firstCommitTsMs: s.first_commit_ts,
    lastCommitTsMs: s.last_commit_ts,
    app: s.app_id === null ? null : appFromSource(s.app_id, s),
    user: { id: s.user_id, name: s.user },
  };
}
