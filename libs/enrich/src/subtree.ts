import type { InodeState } from '@epipe/core';
import { joinPath } from './path-tree';
import type { ChildCursor, LoggedChange, MetadataReader } from './reader';

type Tags = Readonly<Record<string, string>>;

/** What the search index holds, as the filter stage answers it (its `covers`). */
export interface CoverageFilter {
  readonly tagNames: readonly string[];
  covers(path: string | null, tags: Tags | null): boolean;
}

/**
 * A directory whose descendants may have entered or left what the filters cover: it moved, or
 * one of the tag rules' xattrs changed on it. Taken at the end of its batch, so reading the
 * subtree later (while the next batch is enriched) needs nothing from the path cache.
 */
export interface ResyncView {
  dirInodeId: number;
  /** The directory's row that asked for it: a dead letter of a refused document names it. */
  logId: number;
  /** The batch's epoch: documents written from the subtree carry it as their path's epoch. */
  epoch: number;
  path: string;
  /** Ids from the root down to the directory itself. */
  ancestorIds: number[];
  /** The rules' xattrs on the directory, or else on its nearest ancestor that has any. */
  tags: Tags | null;
}

/** A covered descendant as the database shows it now. */
export interface SubtreeDoc {
  state: InodeState;
  path: string;
  /** Ids from the root down to the parent. */
  ancestorIds: number[];
  /**
   * The change that made the state's logical time, while its row still waits in the log table
   * (the document then reads as that row's own event will write it); null when it is gone.
   */
  last: LoggedChange | null;
}

export interface SubtreePage {
  covered: SubtreeDoc[];
  /** Descendants the filters do not cover: the index must hold no document of theirs. */
  uncovered: number[];
}

/**
 * Children read per query, across the directories of a group: a page's documents are what one
 * resync step holds in memory, and a page's subdirectories (at most this many) make one group.
 */
export const SUBTREE_PAGE_SIZE = 500;

interface Dir {
  path: string;
  /** Ids from the root down to the directory itself. */
  ancestorIds: number[];
  tags: Tags | null;
}

/** Directories whose children are read together, and where the last page of them ended. */
interface Group {
  dirs: Map<number, Dir>;
  after: ChildCursor | null;
}

/**
 * Reads every descendant of a directory from the database, page by page, and says which ones the
 * filters cover, at their current state and a path below the directory's.
 *
 * The children of many directories come in one query: a group is the subdirectories one page
 * found (at most a page of them), paged together by (parent, name). Groups go depth first: a
 * page's subdirectories are read as a new group before the rest of its own group, so at most one
 * group per level is open. Memory: the subtree's depth times a page of directories, plus one
 * page of states, whatever the subtree's size or shape; queries: about one per page of
 * descendants, however few children each directory has.
 *
 * A descendant read here may have moved out since its parent's page (its state names another
 * parent): it is left to its own RENAME row. One that moved in is read with its new parent.
 */
export async function* readSubtree(
  view: ResyncView,
  reader: MetadataReader,
  filter: CoverageFilter,
  options: { maxXattrBytes: number; pageSize?: number },
): AsyncGenerator<SubtreePage> {
  const pageSize = Math.max(1, options.pageSize ?? SUBTREE_PAGE_SIZE);
  const root: Dir = { path: view.path, ancestorIds: view.ancestorIds, tags: view.tags };
  const stack: Group[] = [{ dirs: new Map([[view.dirInodeId, root]]), after: null }];
  while (stack.length > 0) {
    const group = stack[stack.length - 1]!;
    const edges = await reader.children([...group.dirs.keys()], group.after, pageSize);
    if (edges.length < pageSize) stack.pop();
    else group.after = { parentId: edges[edges.length - 1]!.parentId, name: edges[edges.length - 1]!.name };
    if (edges.length === 0) continue;
    const parentOf = new Map(edges.map((e) => [e.inodeId, e.parentId]));
    const ids = edges.map((e) => e.inodeId);
    const [states, logged] = await Promise.all([
      reader.states(ids, options.maxXattrBytes),
      reader.loggedChanges(ids),
    ]);
    const bigTags = await oversizedTags(states, filter.tagNames, reader);
    const page: SubtreePage = { covered: [], uncovered: [] };
    const subdirs = new Map<number, Dir>();
    for (const state of states) {
      const parent = group.dirs.get(state.parentId);
      if (parent === undefined || parentOf.get(state.inodeId) !== state.parentId) continue;
      const path = joinPath(parent.path, state.name);
      const tags = ownTags(state, filter.tagNames, bigTags.get(state.inodeId)) ?? parent.tags;
      if (filter.covers(path, tags)) {
        const change = logged.get(state.inodeId);
        page.covered.push({
          state,
          path,
          ancestorIds: parent.ancestorIds,
          last: change && change.logicalTime === state.logicalTime ? change : null,
        });
      } else {
        page.uncovered.push(state.inodeId);
      }
      if (state.isDir)
        subdirs.set(state.inodeId, { path, ancestorIds: [...parent.ancestorIds, state.inodeId], tags });
    }
    if (subdirs.size > 0) stack.push({ dirs: subdirs, after: null });
    yield page;
  }
}

/**
 * The values of the rules' xattrs that states() left out for their size. The events' tags are
 * read whatever their size (InheritedTags), so the resync must not read such a tag as none: a
 * `*` rule matches it. One query per tag name, only for a page's inodes that have one.
 */
async function oversizedTags(
  states: readonly InodeState[],
  tagNames: readonly string[],
  reader: MetadataReader,
): Promise<Map<number, Record<string, string>>> {
  const out = new Map<number, Record<string, string>>();
  for (const name of tagNames) {
    const ids = states.filter((s) => s.oversizedXattrs?.[name] !== undefined).map((s) => s.inodeId);
    if (ids.length === 0) continue;
    for (const [id, value] of await reader.xattrValues(name, ids))
      out.set(id, { ...out.get(id), [name]: value });
  }
  return out;
}

/** The rules' xattrs on the inode itself (states name them as the rules do), or null. */
function ownTags(
  state: InodeState,
  tagNames: readonly string[],
  oversized: Readonly<Record<string, string>> = {},
): Tags | null {
  let tags: Record<string, string> | null = null;
  for (const name of tagNames) {
    const value = state.xattrs[name] ?? oversized[name];
    if (value !== undefined) (tags ??= {})[name] = value;
  }
  return tags;
}
