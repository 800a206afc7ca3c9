import { LruCache } from './lru';
import type { Edge, MetadataReader } from './reader';

export const ROOT_INODE_ID = 1;
const MAX_DEPTH = 512;

/**
 * The inode tree's edges (child -> parent, name), not full paths: a directory rename is one
 * edge update, not a rewrite of every descendant's cached path. Edges come from the log rows as
 * they are processed, and on a miss from the database (batched, one query per tree level).
 */
export class PathTree {
  private readonly edges: LruCache<number, Edge>;

  constructor(capacity: number) {
    this.edges = new LruCache(capacity);
  }

  get size(): number {
    return this.edges.size;
  }

  set(edge: Edge): void {
    this.edges.set(edge.inodeId, edge);
  }

  get(inodeId: number): Edge | undefined {
    return this.edges.get(inodeId);
  }

  delete(inodeId: number): void {
    this.edges.delete(inodeId);
  }

  /** Loads the missing edges on the way from each id up to the root. Returns the ids it missed. */
  async ensure(ids: Iterable<number>, reader: MetadataReader): Promise<number> {
    let frontier = [...new Set(ids)].filter((id) => id > 0 && !this.edges.has(id));
    let misses = 0;
    for (let depth = 0; frontier.length > 0 && depth < MAX_DEPTH; depth++) {
      misses += frontier.length;
      const found = await reader.edges(frontier);
      const foundIds = new Set(found.map((e) => e.inodeId));
      const gone = frontier.filter((id) => !foundIds.has(id));
      if (gone.length > 0) found.push(...(await reader.loggedEdges(gone)));
      for (const edge of found) this.edges.set(edge.inodeId, edge);
      frontier = [...new Set(found.map((e) => e.parentId))].filter((id) => id > 0 && !this.edges.has(id));
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
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
