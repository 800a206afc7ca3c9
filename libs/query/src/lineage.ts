import type { ArtifactState, ExecutionContext, LineageEdge } from '@epipe/core';
import type { ProvenanceReader } from './ports';
import { QueryInputError, resolveArtifact, type ArtifactSelector } from './resolve';

export interface LineageQuery {
  artifact: ArtifactSelector;
  /** up: what went into the artifact; down: what it went into. */
  direction: 'up' | 'down';
  depth: number;
  /** Only edges that existed then (since ≤ asOf); names resolve as they were then. */
  asOfMs?: number;
  /** Nodes at most, the start included; beyond it `truncated` is set. */
  limit: number;
}

/** Who made an artifact: the apps that created or mutated it, with their jobs and runs. */
export interface Producer {
  appId: string;
  jobName: string | null;
  pipelineName: string | null;
  pipelineRun: string | null;
}

export interface LineageNode {
  id: number;
  /** Hops from the start. */
  depth: number;
  /** Null when the artifacts index has no document for it (yet). */
  artifact: ArtifactState | null;
  /** Deleted at or before asOf (or now, without asOf). */
  deleted: boolean;
  producers: Producer[];
}

export interface LineageResult {
  root: number;
  direction: 'up' | 'down';
  asOfMs: number | null;
  nodes: LineageNode[];
  /** Edges between returned nodes, one per (from, to, app). */
  edges: LineageEdge[];
  truncated: boolean;
}

/**
 * Breadth-first over the materialised edges: one terms query per hop for the whole frontier,
 * a visited set so cycles and diamonds are walked once, then every node in one mget and every
 * node's producers in one query.
 */
export async function lineage(
  reader: ProvenanceReader,
  query: LineageQuery,
  signal?: AbortSignal,
): Promise<LineageResult> {
  if (!Number.isInteger(query.depth) || query.depth < 0) throw new QueryInputError('depth must be 0 or more');
  if (!Number.isInteger(query.limit) || query.limit < 1) throw new QueryInputError('limit must be 1 or more');
  const root = await resolveArtifact(reader, query.artifact, query.asOfMs, signal);
  const depthOf = new Map<number, number>([[root, 0]]);
  const edges = new Map<string, LineageEdge>();
  let truncated = false;
  let frontier = [root];
  for (let hop = 1; hop <= query.depth && frontier.length > 0 && !truncated; hop++) {
    // Asking one more than the room left tells whether anything was cut.
    const size = Math.max(1, (query.limit - depthOf.size + 1) * 8);
    const found = await reader.edges(
      frontier,
      query.direction,
      query.asOfMs === undefined ? { size } : { size, asOfMs: query.asOfMs },
      signal,
    );
    if (found.length >= size) truncated = true;
    const next: number[] = [];
    for (const edge of found) {
      const other = query.direction === 'up' ? edge.from.id : edge.to.id;
      if (!depthOf.has(other)) {
        if (depthOf.size >= query.limit) {
          truncated = true;
          continue;
        }
        depthOf.set(other, hop);
        next.push(other);
      }
      edges.set(`${edge.from.id}>${edge.to.id}@${edge.app.appId}`, edge);
    }
    frontier = next;
  }
  const ids = [...depthOf.keys()];
  const [artifacts, writes] = await Promise.all([
    reader.artifacts(ids, signal),
    reader.operations(
      {
        artifactIds: ids,
        ops: ['CREATE', 'MUTATION'],
        size: 10_000,
        ...(query.asOfMs === undefined ? {} : { untilMs: query.asOfMs }),
      },
      signal,
    ),
  ]);
  const byId = new Map(artifacts.map((a) => [a.id, a]));
  const producers = new Map<number, Map<string, Producer>>();
  for (const op of writes) {
    if (!op.app) continue;
    const list = producers.get(op.artifact.id) ?? new Map<string, Producer>();
    list.set(op.app.appId, producerOf(op.app));
    producers.set(op.artifact.id, list);
  }
  const asOf = query.asOfMs ?? Number.POSITIVE_INFINITY;
  const nodes = ids.map((id): LineageNode => {
    const artifact = byId.get(id) ?? null;
    return {
      id,
      depth: depthOf.get(id)!,
      artifact,
      deleted: artifact?.deleted != null && artifact.deleted.atMs <= asOf,
      producers: [...(producers.get(id)?.values() ?? [])].sort((a, b) => a.appId.localeCompare(b.appId)),
    };
  });
  nodes.sort((a, b) => a.depth - b.depth || a.id - b.id);
  const kept = [...edges.values()].filter((e) => depthOf.has(e.from.id) && depthOf.has(e.to.id));
  return {
    root,
    direction: query.direction,
    asOfMs: query.asOfMs ?? null,
    nodes,
    edges: kept,
    truncated,
  };
}

function producerOf(app: ExecutionContext): Producer {
  return {
    appId: app.appId,
    jobName: app.jobName,
    pipelineName: app.pipelineName,
    pipelineRun: app.pipelineRun,
  };
}
