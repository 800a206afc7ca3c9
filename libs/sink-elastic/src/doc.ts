import type { InodeState } from '@epipe/core';
import { XATTR_PAIR_VALUE_MAX_CHARS, XATTR_TEXT_VALUE_MAX_CHARS, type InodeSource } from './fields';

/**
 * What an upsert writes: the inode's current state, as the enricher resolved it, with its path.
 * Its logicalTime is the document's external version.
 */
export interface InodeDoc extends Omit<InodeState, 'oversizedXattrs'> {
  /** Absolute path, '/'-separated; the root is '/'. */
  path: string;
  /** Ids of the inode's ancestors, root first, the parent last (empty for the root). */
  ancestorIds: number[];
  lastOperation: string;
  lastAppId: string | null;
  lastCommitTsMs: number;
  /** The epoch of the batch that computed the path (see InodeSource.path_epoch). */
  pathEpoch?: number;
}

/** What a document says of the change that made it, beside the inode's state. */
export interface DocOrigin {
  lastOperation: string;
  lastAppId: string | null;
  lastCommitTsMs: number;
  /** The version the last_* fields describe, when it is not the state's own (see DocView.last). */
  logicalTime?: number;
  pathEpoch?: number;
}

/**
 * The document of an inode's state at a place: every field of the state (oversized xattrs are
 * left out, as the events leave them out), the place, and what it says of its last change.
 */
export function inodeDoc(
  s: InodeState,
  place: { path: string; ancestorIds: number[] },
  origin: DocOrigin,
): InodeDoc {
  const doc: InodeDoc = {
    inodeId: s.inodeId,
    parentId: s.parentId,
    name: s.name,
    path: place.path,
    ancestorIds: place.ancestorIds,
    isDir: s.isDir,
    size: s.size,
    owner: s.owner,
    group: s.group,
    permission: s.permission,
    mtimeMs: s.mtimeMs,
    logicalTime: origin.logicalTime ?? s.logicalTime,
    xattrs: s.xattrs,
    lastOperation: origin.lastOperation,
    lastAppId: origin.lastAppId,
    lastCommitTsMs: origin.lastCommitTsMs,
  };
  if (origin.pathEpoch !== undefined) doc.pathEpoch = origin.pathEpoch;
  return doc;
}

/** The document id of an inode: its id, so a write for the inode always lands on the same doc. */
export function inodeDocId(inodeId: number): string {
  return String(inodeId);
}

export function pathSegments(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/** '/Projects/demo/a.csv' -> ['/', '/Projects', '/Projects/demo']; '/' has none. */
export function ancestorPaths(path: string): string[] {
  const segments = pathSegments(path);
  const out: string[] = [];
  let prefix = '';
  for (let i = 0; i < segments.length; i++) {
    out.push(prefix === '' ? '/' : prefix);
    prefix += `/${segments[i]}`;
  }
  return out;
}

/**
 * Project and dataset follow from the path alone (/Projects/<project>/<dataset>/...), so a
 * directory move can recompute them for every descendant without asking the database.
 */
export function projectAndDataset(path: string): { project: string | null; dataset: string | null } {
  const [root, project, dataset] = pathSegments(path);
  if (root !== 'Projects' || project === undefined) return { project: null, dataset: null };
  return { project, dataset: dataset ?? null };
}

/** The fields that follow from the path; a move rewrites exactly these (and ancestor_ids). */
function pathFields(
  path: string,
): Pick<InodeSource, 'path' | 'ancestor_paths' | 'depth' | 'project' | 'dataset'> {
  return {
    path,
    ancestor_paths: ancestorPaths(path),
    depth: pathSegments(path).length,
    ...projectAndDataset(path),
  };
}

export function nameWords(name: string): string {
  return name
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .join(' ');
}

export function buildInodeSource(doc: InodeDoc): InodeSource {
  const names = Object.keys(doc.xattrs).sort();
  return {
    inode_id: doc.inodeId,
    parent_id: doc.parentId,
    name: doc.name,
    name_words: nameWords(doc.name),
    ...pathFields(doc.path),
    ancestor_ids: [...doc.ancestorIds],
    is_dir: doc.isDir,
    size: doc.size,
    owner: doc.owner,
    group: doc.group,
    permission: doc.permission,
    mtime: doc.mtimeMs,
    logical_time: doc.logicalTime,
    xattr_names: names,
    xattr_pairs: names.map((n) => `${n}=${doc.xattrs[n]!.slice(0, XATTR_PAIR_VALUE_MAX_CHARS)}`),
    xattr_text: names.map((n) => doc.xattrs[n]!.slice(0, XATTR_TEXT_VALUE_MAX_CHARS)).join('\n'),
    xattrs: { ...doc.xattrs },
    last_operation: doc.lastOperation,
    last_app_id: doc.lastAppId,
    last_commit_ts: doc.lastCommitTsMs,
    ...(doc.pathEpoch !== undefined ? { path_epoch: doc.pathEpoch } : {}),
  };
}

export interface MoveSpec {
  dirInodeId: number;
  /** For logs only; null when the enricher could not know it (a rename replayed after a restart). */
  oldPath: string | null;
  newPath: string;
  /** The directory's ancestors after the move, root first. */
  newAncestorIds: number[];
  /** The epoch of the move: documents whose path is newer are left alone. */
  epoch?: number;
}

/**
 * The stored document of a descendant of a moved directory, as it reads after the move; or
 * undefined when the directory is not among its ancestors, or the document reads so already.
 *
 * The directory's place in the document is found by its id, not by its old path: ancestor_ids
 * holds one id per segment of the parent's path, so the segments below the directory are those
 * after its index. A rename replayed after a restart (the old path unknown) and a document left
 * at an older path by an earlier crash are then fixed all the same.
 */
export function moveSource(source: InodeSource, move: MoveSpec): InodeSource | undefined {
  const at = source.ancestor_ids.indexOf(move.dirInodeId);
  if (at < 0) return undefined;
  // A path written at a later epoch already reflects whatever this move did: a stale move loses.
  if (move.epoch !== undefined && source.path_epoch !== undefined && source.path_epoch > move.epoch)
    return undefined;
  const segments = pathSegments(source.path);
  // A document whose ids do not match its path cannot be placed; no writer produces one.
  if (segments.length !== source.ancestor_ids.length) return undefined;
  const path = joinPath(move.newPath, segments.slice(at).join('/'));
  const ancestorIds = [...move.newAncestorIds, move.dirInodeId, ...source.ancestor_ids.slice(at + 1)];
  if (path === source.path && ancestorIds.every((id, i) => source.ancestor_ids[i] === id)) return undefined;
  return {
    ...source,
    ...pathFields(path),
    ancestor_ids: ancestorIds,
    ...(move.epoch !== undefined ? { path_epoch: move.epoch } : {}),
  };
}

/**
 * A stored document after a run of moves, applied in order: each sees the result of the one
 * before, so nested moves, consecutive moves and moves back compose as they happened. Undefined
 * when no move changes it or the result reads as the document does already (moved there and
 * back); otherwise the result and the position of the last move that changed it.
 */
export function moveSourceThrough(
  source: InodeSource,
  moves: readonly MoveSpec[],
): { source: InodeSource; lastMove: number } | undefined {
  let current = source;
  let lastMove = -1;
  for (let i = 0; i < moves.length; i++) {
    const moved = moveSource(current, moves[i]!);
    if (moved) {
      current = moved;
      lastMove = i;
    }
  }
  if (lastMove < 0 || sameLocation(current, source)) return undefined;
  return { source: current, lastMove };
}

/** The fields a move writes (the rest follow from the path) are equal. */
function sameLocation(a: InodeSource, b: InodeSource): boolean {
  return (
    a.path === b.path &&
    a.path_epoch === b.path_epoch &&
    a.ancestor_ids.length === b.ancestor_ids.length &&
    a.ancestor_ids.every((id, i) => b.ancestor_ids[i] === id)
  );
}

function joinPath(dir: string, rest: string): string {
  return dir.endsWith('/') ? `${dir}${rest}` : `${dir}/${rest}`;
}
