import { ByteBoundedCache, ENTRY_BYTES, FIELD_BYTES, OBJECT_BYTES, stringBytes } from './cache';
import type { Edge, MetadataReader } from './reader';

export const ROOT_INODE_ID = 1;
const MAX_DEPTH = 512;

const edgeBytes = (_id: number, edge: Edge): number =>
  ENTRY_BYTES + OBJECT_BYTES + 4 * FIELD_BYTES + stringBytes(edge.name);

/**
 * The inode tree's edges (child -> parent, name), not full paths: a directory rename is one
 * edge update, not a rewrite of every descendant's cached path. Edges come from the log rows as
 * they are processed, and on a miss from the database (batched, one query per tree level).
 * Bounded in bytes: an evicted edge is read again when needed.
 */
export class PathTree {
  private readonly edges: ByteBoundedCache<number, Edge>;
  /** While a batch is being enriched: each changed edge's value before the batch. */
  private undo: Map<number, Edge | undefined> | null = null;

  constructor(maxBytes: number) {
    this.edges = new ByteBoundedCache(maxBytes, edgeBytes);
  }

  get size(): number {
    return this.edges.size;
  }

  get bytes(): number {
    return this.edges.bytes;
  }

  /**
   * Starts remembering the edges that set() and delete() change, so that a batch whose
   * enrichment fails half-way can be retried from the tree it started with.
   */
  begin(): void {
    this.undo = new Map();
  }

  /** The batch succeeded: keep its changes. */
  commit(): void {
    this.undo = null;
  }

  /** The batch failed: put back every edge it changed. Edges read from the database stay. */
  rollback(): void {
    const undo = this.undo;
    this.undo = null;
    if (!undo) return;
    for (const [id, edge] of undo) {
      if (edge === undefined) this.edges.delete(id);
      else this.edges.set(id, edge);
    }
  }

  set(edge: Edge): void {
    this.remember(edge.inodeId);
    this.edges.set(edge.inodeId, edge);
  }

  get(inodeId: number): Edge | undefined {
    return this.edges.get(inodeId);
  }

  delete(inodeId: number): void {
    this.remember(inodeId);
    this.edges.delete(inodeId);
  }

  /**
   * Loads the missing edges on the way from each id up to the root, one query per tree level.
   * Walks the cached part of each chain too: an edge can be cached while an ancestor is not
   * (evicted, or a load that failed half-way), and stopping at the first cached edge would then
   * leave the path unknown. Returns the number of edges it had to read.
   */
  async ensure(ids: Iterable<number>, reader: MetadataReader): Promise<number> {
    const missingOf = (from: Iterable<number>): number[] => {
      const out = new Set<number>();
      for (const id of from) {
        const missing = this.firstMissing(id);
        if (missing !== null) out.add(missing);
      }
      return [...out];
    };
    let frontier = missingOf(new Set(ids));
    let misses = 0;
    for (let depth = 0; frontier.length > 0 && depth < MAX_DEPTH; depth++) {
      misses += frontier.length;
      const found = await reader.edges(frontier);
      const foundIds = new Set(found.map((e) => e.inodeId));
      const gone = frontier.filter((id) => !foundIds.has(id));
      if (gone.length > 0) found.push(...(await reader.loggedEdges(gone)));
      for (const edge of found) this.edges.set(edge.inodeId, edge);
      frontier = missingOf(new Set(found.map((e) => e.parentId)));
    }
    return misses;
  }

  /** Full path of an inode, or null when an ancestor is unknown. The root is "/". */
  path(inodeId: number): string | null {
    if (inodeId === ROOT_INODE_ID) return '/';
    const names: string[] = [];
    let id = inodeId;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      if (id === ROOT_INODE_ID) return '/' + names.reverse().join('/');
      const edge = this.edges.get(id);
      if (!edge) return null;
      names.push(edge.name);
      id = edge.parentId;
    }
    return null;
  }

  /** Ids from the root down to `inodeId` included, or null when the chain is broken. */
  chain(inodeId: number): number[] | null {
    const ids: number[] = [];
    let id = inodeId;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      ids.push(id);
      if (id === ROOT_INODE_ID) return ids.reverse();
      const edge = this.edges.get(id);
      if (!edge) return null;
      id = edge.parentId;
    }
    return null;
  }

  /** The first id on the way from `inodeId` to the root whose edge is not cached, or null. */
  private firstMissing(inodeId: number): number | null {
    let id = inodeId;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      if (id <= 0 || id === ROOT_INODE_ID) return null;
      const edge = this.edges.get(id);
      if (!edge) return id;
      id = edge.parentId;
    }
    return null;
  }

  private remember(inodeId: number): void {
    if (this.undo && !this.undo.has(inodeId)) this.undo.set(inodeId, this.edges.get(inodeId));
  }
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
