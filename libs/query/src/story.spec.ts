// Shared by this lib's tests: the lineage story of issue 9, as file events run through the
// pure provenance chain (classify → coalesce → edges) into the real indices.
import type { ArtifactState, ExecutionContext, LineageEdge, ProvenanceEvent } from '@epipe/core';
import {
  createCoalescer,
  createEdgeBuilder,
  nextArtifactState,
  type AppHistoryStore,
  type ProvenanceInput,
} from '@epipe/provenance';
import type { ProvenanceIndex } from '@epipe/sink-elastic';
import { executionContext } from '../../core/src/testing/provenance';

export const T0 = 1_700_000_000_000;
const W = 10_000;

export function ctx(appId: string, jobName: string, pipelineRun: string | null = null): ExecutionContext {
  return executionContext(appId, {
    jobName,
    jobExecutionId: 1,
    pipelineName: pipelineRun ? 'daily' : null,
    pipelineRun,
  });
}

/** Writes file events through the chain, as the pipeline stage will; keeps artifacts' state. */
export class StoryWriter {
  private logId = 1;
  private inode = 100_000;
  private batch = 0;
  private clock = T0;
  readonly ids = new Map<string, number>();
  readonly states = new Map<number, ArtifactState>();
  readonly published: ProvenanceEvent[] = [];
  readonly edgesWritten: LineageEdge[] = [];
  rows = 0;
  private readonly coalescer;
  private readonly edges;

  constructor(private readonly index: ProvenanceIndex) {
    this.coalescer = createCoalescer({
      source: 'story',
      windowMs: W,
      graceMs: 2_000,
      now: () => this.clock,
      rootIdOf: (_e, root) => this.ids.get(root.rootPath) ?? null,
    });
    const store: AppHistoryStore = { load: (appId, signal) => index.appHistory(appId, signal) };
    this.edges = createEdgeBuilder({ store, maxApps: 2 });
  }

  private event(
    op: ProvenanceInput['operation'],
    path: string,
    app: ExecutionContext | null,
    extra: Partial<ProvenanceInput> = {},
  ): ProvenanceInput {
    const logId = this.logId++;
    return {
      schema: 'epipe.file-event',
      schemaVersion: 1,
      eventId: `story/${logId}`,
      epoch: this.batch,
      seq: 0,
      logId,
      inodeId: this.ids.get(path) ?? this.inode++,
      parentId: 1,
      logicalTime: 1,
      operation: op,
      isDir: false,
      name: path.slice(path.lastIndexOf('/') + 1),
      path,
      oldPath: null,
      project: { id: 1, name: path.split('/')[2] ?? null },
      dataset: null,
      user: { id: 7, name: 'alice' },
      xattrName: null,
      app,
      commitTsMs: this.clock,
      ...extra,
    };
  }

  /** Makes a root directory (an artifact) exist. */
  async createRoot(path: string, app: ExecutionContext | null): Promise<number> {
    const id = this.inode++;
    this.ids.set(path, id);
    await this.run([this.event('CREATE', path, app, { inodeId: id, isDir: true })]);
    return id;
  }

  async read(
    root: string,
    files: number,
    app: ExecutionContext | null,
    perBatch = 100,
    stepMs = 50,
  ): Promise<void> {
    for (let i = 0; i < files; i += perBatch) {
      const n = Math.min(perBatch, files - i);
      await this.run(Array.from({ length: n }, (_, j) => this.event('ACCESS', `${root}/part-${i + j}`, app)));
      this.clock += stepMs;
    }
  }

  async write(root: string, files: number, app: ExecutionContext | null): Promise<void> {
    await this.run(Array.from({ length: files }, (_, i) => this.event('APPEND', `${root}/out-${i}`, app)));
  }

  async rename(from: string, to: string, app: ExecutionContext | null): Promise<void> {
    const id = this.ids.get(from)!;
    this.ids.delete(from);
    this.ids.set(to, id);
    await this.run([this.event('RENAME', to, app, { inodeId: id, isDir: true, oldPath: from })]);
  }

  async remove(root: string, app: ExecutionContext | null): Promise<void> {
    const id = this.ids.get(root)!;
    await this.run([
      this.event('DELETE', `${root}/x`, app),
      this.event('DELETE', root, app, { inodeId: id, isDir: true }),
    ]);
    this.ids.delete(root);
  }

  /** Lets time pass so that every open window closes. */
  async idle(ms = W + 3_000): Promise<void> {
    this.clock += ms;
    await this.publish(this.coalescer.tick());
  }

  private async run(events: ProvenanceInput[]): Promise<void> {
    this.rows += events.length;
    this.batch++;
    await this.publish(this.coalescer.add(this.batch, events));
    this.clock += 10;
  }

  private async publish(events: ProvenanceEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const e of events) this.track(e);
    await this.index.writeOperations(events);
    await this.index.writeArtifacts(
      [...new Set(events.map((e) => e.artifact.id))].map((id) => this.states.get(id)!),
    );
    // The edge store reads the operations index: make this batch's operations visible to it.
    await this.index.refresh();
    const edges = await this.edges.onEvents(events);
    await this.index.writeEdges(edges);
    this.edgesWritten.push(...edges);
    this.published.push(...events);
    this.coalescer.published(events.map((e) => e.eventId));
  }

  private track(e: ProvenanceEvent): void {
    const prev = this.states.get(e.artifact.id) ?? null;
    // Every root change bumps the root's logical_time; the test stands in for the inode state.
    const next = nextArtifactState(prev, e, {
      logicalTime: (prev?.logicalTime ?? 0) + 1,
      ancestorIds: [],
      xattrs: {},
    });
    if (next) this.states.set(e.artifact.id, next);
  }

  now(): number {
    return this.clock;
  }
}
