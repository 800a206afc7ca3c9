import type { ArtifactState, Batch, DeadLetter, Logger, ProvenanceEvent } from '@epipe/core';
import type { EnrichResult } from '@epipe/enrich';
import {
  containerRenameEvents,
  createClassifier,
  createCoalescer,
  createEdgeBuilder,
  emptyHistoryStore,
  nextArtifactState,
  isContainerRename,
  type Classifier,
  type Coalescer,
  type EdgeBuilder,
  type ProvenanceInput,
  type RootSnapshot,
} from '@epipe/provenance';
import type { Call } from './call';
import type { ProvenanceConfig } from './config';
import type { PipelineMetrics } from './deps';
import type { ProvenanceIndexWriter, ProvenancePublisher } from './ports';

export interface ProvenanceStageDeps {
  kafka: ProvenancePublisher | null;
  index: ProvenanceIndexWriter | null;
  call: Call;
  /** Dead letters for provenance events or documents a sink refused for what they are. */
  deadLetter: (letters: DeadLetter[]) => Promise<void>;
  metrics: PipelineMetrics;
  logger: Logger;
  signal: AbortSignal;
  /** Wall clock of the coalescer (tests may pass their own). */
  now?: () => number;
}

/** Artifact documents and root snapshots kept in memory, each (least recently used out first). */
const MAX_CACHED = 10_000;

/**
 * The coalesce stage (DESIGN.md, "Coalesce"): each batch's kept file events go into the
 * coalescer in batch order; the provenance events of the windows that close are published to
 * Kafka and written to the provenance index (operations, artifact documents, lineage edges)
 * before the batch is acknowledged. The ack stage asks `firstHeldBatch` which batches' rows may
 * be deleted: only those older than the first one an unpublished window still holds.
 *
 * Every method must be called on one chain, in order (the pipeline's provenance chain).
 */
export class ProvenanceStage {
  private readonly coalescer: Coalescer;
  private readonly classify: Classifier = createClassifier();
  private readonly source: string;
  private readonly edges: EdgeBuilder;
  private readonly states = new Map<number, ArtifactState>();
  /** What the stage last saw of directories that may be artifact roots (inode id → snapshot). */
  private readonly roots = new Map<number, RootSnapshot>();
  /**
   * Artifact roots as the enricher's path cache placed them with a file below the root (path,
   * ancestors): an artifact first seen through a read of its files is placed by them, and one
   * whose only windows are still open is found by a rename of a directory above it.
   */
  private readonly placed = new Map<number, { path: string; ancestorIds: number[] }>();

  constructor(
    config: ProvenanceConfig,
    private readonly deps: ProvenanceStageDeps,
  ) {
    this.source = config.source;
    this.coalescer = createCoalescer({
      source: config.source,
      classify: this.classify,
      windowMs: config.windowMs,
      graceMs: config.graceMs,
      maxDeferredRows: config.maxDeferredRows,
      maxOpenMs: config.maxOpenMs,
      ...(deps.now ? { now: deps.now } : {}),
    });
    const index = deps.index;
    this.edges = createEdgeBuilder({
      store: index ? { load: (appId, signal) => index.appHistory(appId, signal) } : emptyHistoryStore,
    });
  }

  /** Adds a batch (numbered in dispatch order) and publishes the windows it closes. */
  async add(seq: number, batch: Batch, result: EnrichResult): Promise<void> {
    this.remember(result);
    const inputs: ProvenanceInput[] = result.events.map((event) => {
      const a = result.ancestors?.get(event.logId);
      return a ? { ...event, ancestorIds: a.ancestorIds, oldAncestorIds: a.oldAncestorIds } : event;
    });
    this.placeRoots(inputs);
    // Looked up before the coalescer takes the batch: a retried lookup must not add it twice.
    const renamed = await this.containerRenames(inputs);
    const closed = this.coalescer.add(seq, inputs, batch.rows.length + batch.poison.length);
    await this.publish([...closed, ...renamed]);
  }

  /**
   * A directory above artifacts was renamed (`Models/fraud` → `Models/fraud2`): the artifacts
   * below keep their ids and get their names from their new paths, as METADATA(rename) events
   * published with the batch (so the rename's row is deleted only after them).
   */
  private async containerRenames(inputs: readonly ProvenanceInput[]): Promise<ProvenanceEvent[]> {
    const renames = inputs.filter((e) => isContainerRename(e, this.classify));
    if (renames.length === 0) return [];
    const dirIds = [...new Set(renames.map((e) => e.inodeId))];
    const below = new Map<number, { id: number; path: string; ancestorIds: readonly number[] }>();
    // Artifacts with open windows only have no document yet.
    for (const [id, p] of this.placed)
      if (p.ancestorIds.some((a) => dirIds.includes(a))) below.set(id, { id, ...p });
    const index = this.deps.index;
    if (index) {
      const found = await this.deps.call('read artifacts below renamed directories', 'elasticsearch', () =>
        index.artifactsUnder(dirIds, this.deps.signal),
      );
      for (const a of found) below.set(a.id, a);
    }
    // The stage's own documents are newer than a search that is only near-real-time.
    for (const a of this.states.values())
      if (a.deleted === null && a.ancestorIds.some((id) => dirIds.includes(id))) below.set(a.id, a);
    const out: ProvenanceEvent[] = [];
    for (const rename of renames) {
      const under = [...below.values()].filter((a) => a.ancestorIds.includes(rename.inodeId));
      const events = containerRenameEvents(rename, under, this.classify, this.source);
      // A second rename in the same batch starts from where the first one put them.
      for (const e of events) {
        below.set(e.artifact.id, { ...below.get(e.artifact.id)!, path: e.artifact.path });
        const p = this.placed.get(e.artifact.id);
        if (p) this.placed.set(e.artifact.id, { ...p, path: e.artifact.path });
      }
      out.push(...events);
    }
    return out;
  }

  /** Where each artifact root a file event names sits in the tree (ancestors, root first). */
  private placeRoots(inputs: readonly ProvenanceInput[]): void {
    for (const e of inputs) {
      if (!e.ancestorIds || e.path === null) continue;
      const cls = this.classify(e.path);
      if (!cls || cls.isRoot) continue;
      const rootId = e.ancestorIds[cls.rootDepth];
      if (rootId === undefined || this.placed.get(rootId)?.path === cls.rootPath) continue;
      this.cache(this.placed, rootId, {
        path: cls.rootPath,
        ancestorIds: e.ancestorIds.slice(0, cls.rootDepth),
      });
    }
  }

  /** Publishes the windows that are due (time, idle source, age, pressure). */
  async tick(): Promise<void> {
    await this.publish(this.coalescer.tick());
  }

  /** Closes and publishes every window (a clean stop). */
  async flush(): Promise<void> {
    await this.publish(this.coalescer.flush());
  }

  /** Rows of batches before this one may be deleted; null: every completed batch's. */
  firstHeldBatch(): number | null {
    return this.coalescer.firstHeldBatch();
  }

  private async publish(events: ProvenanceEvent[]): Promise<void> {
    const { metrics } = this.deps;
    metrics.provenanceWindowsOpen.set(this.coalescer.stats().openWindows);
    if (events.length === 0) return;
    const dead: DeadLetter[] = [];
    await Promise.all([this.publishKafka(events, dead), this.writeIndex(events, dead)]);
    if (dead.length > 0) await this.deps.deadLetter(dead);
    this.coalescer.published(events.map((e) => e.eventId));
    const byOp = new Map<string, number>();
    for (const e of events) byOp.set(e.op, (byOp.get(e.op) ?? 0) + 1);
    for (const [op, n] of byOp) metrics.provenanceEvents.inc({ op }, n);
  }

  private async publishKafka(events: ProvenanceEvent[], dead: DeadLetter[]): Promise<void> {
    const kafka = this.deps.kafka;
    if (!kafka) return;
    const { signal } = this.deps;
    const outcome = await this.deps.call('publish provenance to Kafka', 'kafka', () =>
      kafka.publishProvenance(events, signal),
    );
    for (const { event, reason } of outcome?.rejected ?? []) dead.push(letter(event, 'kafka', reason));
  }

  private async writeIndex(events: ProvenanceEvent[], dead: DeadLetter[]): Promise<void> {
    const index = this.deps.index;
    if (!index) return;
    const { call, signal } = this.deps;
    const sink = 'elasticsearch';
    const refused = (what: string, outcome: { rejected: { id: string; reason: string }[] }) => {
      for (const r of outcome.rejected)
        dead.push({
          logId: undefined,
          inodeId: undefined,
          stage: 'elasticsearch',
          reason: `${what} ${r.id}: ${r.reason}`,
          row: r.id,
          epoch: 0,
        });
    };
    refused(
      'provenance operation',
      await call('write provenance operations', sink, () => index.writeOperations(events, signal)),
    );
    const artifacts = await this.nextStates(events);
    if (artifacts.length > 0)
      refused(
        'artifact',
        await call('write artifact documents', sink, () => index.writeArtifacts(artifacts, signal)),
      );
    const edges = await this.edges.onEvents(events, signal);
    if (edges.length > 0)
      refused('lineage edge', await call('write lineage edges', sink, () => index.writeEdges(edges, signal)));
  }

  /** The artifact documents these events change, each once, as it is after the last of them. */
  private async nextStates(events: ProvenanceEvent[]): Promise<ArtifactState[]> {
    const index = this.deps.index!;
    const unknown = [...new Set(events.map((e) => e.artifact.id))].filter((id) => !this.states.has(id));
    if (unknown.length > 0) {
      const found = await this.deps.call('read artifact documents', 'elasticsearch', () =>
        index.artifacts(unknown, this.deps.signal),
      );
      for (const a of found) this.cache(this.states, a.id, a);
    }
    // Roots never seen written (the artifact existed before epipe, or before provenance was on):
    // the inode index knows their logical_time, place and xattrs.
    const unplaced = [...new Set(events.map((e) => e.artifact.id))].filter(
      (id) => !this.states.has(id) && !this.roots.has(id),
    );
    if (unplaced.length > 0) {
      const found = await this.deps.call('read artifact roots', 'elasticsearch', () =>
        index.rootSnapshots(unplaced, this.deps.signal),
      );
      for (const [id, snapshot] of found) this.cache(this.roots, id, snapshot);
    }
    const changed = new Map<number, ArtifactState>();
    for (const event of events) {
      const id = event.artifact.id;
      const prev = this.states.get(id) ?? null;
      const next = nextArtifactState(prev, event, this.rootOf(id, prev, event));
      if (!next) continue;
      this.cache(this.states, id, next);
      changed.set(id, next);
    }
    return [...changed.values()];
  }

  /**
   * The root directory as the stage last saw it. The document's version is the root's
   * logical_time; a change the document records (create, delete, metadata) always gets a version
   * above the previous document's, so a delete whose row did not bump logical_time still lands.
   */
  private rootOf(id: number, prev: ArtifactState | null, event: ProvenanceEvent): RootSnapshot {
    const seen = this.roots.get(id);
    const changes = event.op === 'CREATE' || event.op === 'DELETE' || event.op === 'METADATA';
    const floor = prev ? prev.logicalTime + (changes ? 1 : 0) : 0;
    return {
      logicalTime: Math.max(seen?.logicalTime ?? 0, floor),
      ancestorIds:
        seen?.ancestorIds ??
        (prev && prev.ancestorIds.length > 0 ? prev.ancestorIds : this.placed.get(id)?.ancestorIds) ??
        [],
      xattrs: seen?.xattrs ?? prev?.xattrs ?? {},
    };
  }

  /** Directories written in this batch, and deleted ones' last logical_time. */
  private remember(result: EnrichResult): void {
    for (const doc of result.docs) {
      const s = doc.state;
      if (!s.isDir) continue;
      this.cache(this.roots, s.inodeId, {
        logicalTime: s.logicalTime,
        ancestorIds: doc.ancestorIds,
        xattrs: s.xattrs,
      });
    }
    for (const d of result.deletes) {
      const seen = this.roots.get(d.inodeId);
      if (seen)
        this.cache(this.roots, d.inodeId, {
          ...seen,
          logicalTime: Math.max(seen.logicalTime, d.logicalTime),
        });
    }
  }

  private cache<V>(map: Map<number, V>, key: number, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_CACHED) map.delete(map.keys().next().value!);
  }
}

function letter(event: ProvenanceEvent, stage: 'kafka' | 'elasticsearch', reason: string): DeadLetter {
  return { logId: undefined, inodeId: event.artifact.id, stage, reason, row: event, epoch: 0 };
}
