import type { ExecutionContext, InodeState } from '@epipe/core';
import type { ChildCursor, Edge, LoggedChange, MetadataReader } from './reader';

/**
 * An in-memory metadata database for tests of the enricher: the same answers the SQL reader
 * gives, from maps the test fills. It counts calls so tests can check lookups are batched.
 */
export class MemoryMetadataReader implements MetadataReader {
  readonly inodes = new Map<number, InodeState>();
  /** Newest log row per inode still in the log table: for loggedEdges and pendingDeletes. */
  readonly logged = new Map<number, Edge & { deletePending: boolean; change?: LoggedChange }>();
  readonly users = new Map<number, string>();
  readonly projects = new Map<number, string>();
  readonly datasets = new Map<number, string>();
  readonly apps = new Map<string, ExecutionContext>();
  calls = 0;

  addInode(state: Partial<InodeState> & { inodeId: number; parentId: number; name: string }): void {
    this.inodes.set(state.inodeId, {
      isDir: false,
      size: 0,
      owner: 'alice',
      group: 'alice',
      permission: 0o644,
      mtimeMs: 0,
      logicalTime: 1,
      xattrs: {},
      ...state,
    });
  }

  edges(ids: number[]): Promise<Edge[]> {
    return this.edgesOf(this.inodes, ids);
  }

  loggedEdges(ids: number[]): Promise<Edge[]> {
    return this.edgesOf(this.logged, ids);
  }

  private edgesOf(from: ReadonlyMap<number, Omit<Edge, 'inodeId'>>, ids: number[]): Promise<Edge[]> {
    this.calls++;
    return Promise.resolve(
      unique(ids).flatMap((id) => {
        const e = from.get(id);
        return e ? [{ inodeId: id, parentId: e.parentId, name: e.name, isDir: e.isDir }] : [];
      }),
    );
  }

  states(ids: number[], maxXattrBytes: number): Promise<InodeState[]> {
    this.calls++;
    return Promise.resolve(
      unique(ids).flatMap((id) => {
        const s = this.inodes.get(id);
        if (!s) return [];
        const xattrs: Record<string, string> = {};
        const oversized: Record<string, number> = {};
        for (const [k, v] of Object.entries(s.xattrs)) {
          const bytes = Buffer.byteLength(v);
          if (bytes > maxXattrBytes) oversized[k] = bytes;
          else xattrs[k] = v;
        }
        return [{ ...s, xattrs, ...(Object.keys(oversized).length ? { oversizedXattrs: oversized } : {}) }];
      }),
    );
  }

  children(parentIds: readonly number[], after: ChildCursor | null, limit: number): Promise<Edge[]> {
    this.calls++;
    const parents = new Set(parentIds);
    // Names compare as the database's binary collation does: by UTF-8 bytes.
    const key = (parentId: number, name: string): [number, Buffer] => [parentId, Buffer.from(name)];
    const compare = ([p1, n1]: [number, Buffer], [p2, n2]: [number, Buffer]): number =>
      p1 !== p2 ? p1 - p2 : Buffer.compare(n1, n2);
    const from = after === null ? null : key(after.parentId, after.name);
    const edges = [...this.inodes.values()]
      .filter((s) => parents.has(s.parentId) && (from === null || compare(key(s.parentId, s.name), from) > 0))
      .sort((a, b) => compare(key(a.parentId, a.name), key(b.parentId, b.name)))
      .slice(0, limit);
    return Promise.resolve(
      edges.map((s) => ({ inodeId: s.inodeId, parentId: s.parentId, name: s.name, isDir: s.isDir })),
    );
  }

  loggedChanges(ids: number[]): Promise<Map<number, LoggedChange>> {
    this.calls++;
    const out = new Map<number, LoggedChange>();
    for (const id of ids) {
      const change = this.logged.get(id)?.change;
      if (change) out.set(id, change);
    }
    return Promise.resolve(out);
  }

  pendingDeletes(ids: number[]): Promise<Set<number>> {
    this.calls++;
    return Promise.resolve(new Set(ids.filter((id) => this.logged.get(id)?.deletePending)));
  }

  userNames(ids: number[]): Promise<Map<number, string>> {
    return this.pick(this.users, ids);
  }

  projectNames(ids: number[]): Promise<Map<number, string>> {
    return this.pick(this.projects, ids);
  }

  datasetNames(ids: number[]): Promise<Map<number, string>> {
    return this.pick(this.datasets, ids);
  }

  contexts(appIds: string[]): Promise<Map<string, ExecutionContext>> {
    return this.pick(this.apps, appIds);
  }

  xattrValues(name: string, ids: number[]): Promise<Map<number, string>> {
    this.calls++;
    const out = new Map<number, string>();
    for (const id of ids) {
      const value = this.inodes.get(id)?.xattrs[name];
      if (value !== undefined) out.set(id, value);
    }
    return Promise.resolve(out);
  }

  private pick<K, V>(map: Map<K, V>, keys: K[]): Promise<Map<K, V>> {
    this.calls++;
    return Promise.resolve(new Map(keys.filter((k) => map.has(k)).map((k) => [k, map.get(k)!])));
  }
}

/** Each key once, as SQL's IN (...) answers. */
function unique<T>(keys: T[]): T[] {
  return [...new Set(keys)];
}
