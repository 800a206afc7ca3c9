import {
  isArtifactWrite,
  type ExecutionContext,
  type LineageEdge,
  type LineageEnd,
  type ProvenanceEvent,
} from '@epipe/core';

/** An artifact an app read (input) or created/mutated (output), first seen at `atMs`. */
export interface ArtifactTouch {
  artifact: LineageEnd;
  atMs: number;
}

/** What an app has read and written so far, as the operations index remembers it. */
export interface AppHistory {
  app: ExecutionContext | null;
  inputs: ArtifactTouch[];
  outputs: ArtifactTouch[];
}

/**
 * The store port of the edge builder: on a cache miss it reloads an app's history (the
 * operations index does this in sink-elastic). A fake in memory passes the same tests.
 */
export interface AppHistoryStore {
  load(appId: string, signal?: AbortSignal): Promise<AppHistory>;
}

export interface EdgeBuilderOptions {
  store: AppHistoryStore;
  /** Apps whose history is kept in memory; the least recently used is dropped first. */
  maxApps?: number;
}

export interface EdgeBuilder {
  /**
   * The lineage edges these (published) provenance events make: app X accessed A and created or
   * mutated B ≠ A ⇒ A → B, since the later of the two. Each edge is returned once per cached
   * history; after a reload an edge may come again, which the index absorbs (same document id).
   */
  onEvents(events: readonly ProvenanceEvent[], signal?: AbortSignal): Promise<LineageEdge[]>;
  stats(): { cachedApps: number; reloads: number };
}

export function createEdgeBuilder(options: EdgeBuilderOptions): EdgeBuilder {
  return new CachedEdgeBuilder(options.store, options.maxApps ?? 10_000);
}

interface AppState {
  app: ExecutionContext;
  inputs: Map<number, ArtifactTouch>;
  outputs: Map<number, ArtifactTouch>;
  emitted: Set<string>;
}

function endOf(event: ProvenanceEvent): LineageEnd {
  return { id: event.artifact.id, kind: event.artifact.kind, project: event.artifact.project };
}

class CachedEdgeBuilder implements EdgeBuilder {
  private readonly apps = new Map<string, AppState>();
  private reloads = 0;

  constructor(
    private readonly store: AppHistoryStore,
    private readonly maxApps: number,
  ) {}

  async onEvents(events: readonly ProvenanceEvent[], signal?: AbortSignal): Promise<LineageEdge[]> {
    const edges: LineageEdge[] = [];
    for (const event of events) {
      // An ACCESS without an app says who read, not what the read went into: no edge.
      if (!event.app) continue;
      const isInput = event.op === 'ACCESS';
      if (!isInput && !isArtifactWrite(event.op)) continue;
      const state = await this.stateOf(event.app, signal);
      const touch: ArtifactTouch = { artifact: endOf(event), atMs: event.firstCommitTsMs };
      remember(isInput ? state.inputs : state.outputs, touch);
      const others = isInput ? state.outputs : state.inputs;
      for (const other of others.values()) {
        const [from, to] = isInput ? [touch, other] : [other, touch];
        if (from.artifact.id === to.artifact.id) continue;
        const key = `${from.artifact.id}>${to.artifact.id}`;
        if (state.emitted.has(key)) continue;
        state.emitted.add(key);
        const f = state.inputs.get(from.artifact.id)!;
        const t = state.outputs.get(to.artifact.id)!;
        edges.push({ from: f.artifact, to: t.artifact, app: state.app, sinceMs: Math.max(f.atMs, t.atMs) });
      }
    }
    return edges;
  }

  stats(): { cachedApps: number; reloads: number } {
    return { cachedApps: this.apps.size, reloads: this.reloads };
  }

  private async stateOf(app: ExecutionContext, signal?: AbortSignal): Promise<AppState> {
    const cached = this.apps.get(app.appId);
    if (cached) {
      // Least recently used order: a hit moves the app to the end.
      this.apps.delete(app.appId);
      this.apps.set(app.appId, cached);
      return cached;
    }
    this.reloads++;
    const history = await this.store.load(app.appId, signal);
    const state: AppState = { app, inputs: new Map(), outputs: new Map(), emitted: new Set() };
    for (const t of history.inputs) remember(state.inputs, t);
    for (const t of history.outputs) remember(state.outputs, t);
    // Edges the history implies are not marked emitted: they may have been lost with a crash
    // between the operation's write and the edge's, and writing one again changes nothing.
    this.apps.set(app.appId, state);
    while (this.apps.size > this.maxApps) this.apps.delete(this.apps.keys().next().value!);
    return state;
  }
}

/** Keeps the earliest touch of each artifact. */
function remember(map: Map<number, ArtifactTouch>, touch: ArtifactTouch): void {
  const known = map.get(touch.artifact.id);
  if (!known || touch.atMs < known.atMs) map.set(touch.artifact.id, touch);
}

/** A store that remembers nothing: every app starts empty (tests, or no index configured). */
export const emptyHistoryStore: AppHistoryStore = {
  load: () => Promise.resolve({ app: null, inputs: [], outputs: [] }),
};
