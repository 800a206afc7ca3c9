import { Operation } from '@epipe/core';
import { ROOT_INODE_ID } from './migrate';
import { formatPath, invalid, pathKind } from './paths';
import { lockChild, resolveChain, type Chain } from './resolve';
import { Conflict, type Tx } from './tx';
import type { Inode } from './types';
import { insertInode, isDuplicate, logRow, mergeScope, type Actor, type Scope } from './writes';

/** Throws unless every inode found on the way is a directory. */
export function assertDirectories(chain: readonly Inode[], names: readonly string[], what: string): void {
  chain.forEach((inode, i) => {
    if (!inode.isDir) throw invalid(`${what}: ${formatPath(names.slice(0, i + 1))} is not a directory`);
  });
}

export interface Located {
  parentChain: Chain;
  inode: Inode;
  scope: Scope;
  hasXattr: boolean;
}

/**
 * Read-locks the ancestors, then write-locks the inode itself (parent before child, so two
 * writers on one path queue instead of deadlocking).
 */
export async function lockForWrite(
  tx: Tx,
  names: readonly string[],
  what: string,
  xattr?: { namespace: number; name: string },
): Promise<Located> {
  const parentNames = names.slice(0, -1);
  const parentChain = await resolveChain(tx, parentNames, 'share');
  assertDirectories(parentChain.inodes, names, what);
  if (parentChain.inodes.length < parentNames.length) throw invalid(`${what}: no such file or directory`);
  const parentId = parentChain.inodes[parentChain.inodes.length - 1]?.id ?? ROOT_INODE_ID;
  const target = await lockChild(tx, names, parentId, 'update', xattr);
  if (!target) throw invalid(`${what}: no such file or directory`);
  return {
    parentChain,
    inode: target.inode,
    scope: mergeScope(parentChain.scope, target.scope),
    hasXattr: target.hasXattr,
  };
}

export interface CreateSpec {
  what: string;
  isDir: boolean;
  size: number;
  permission: number;
  /** Create missing ancestors too (as directories with the same permission). */
  parents: boolean;
  actor: Actor;
  /** The root's group, inherited by inodes created directly below it. */
  rootGroupId: number;
}

/**
 * Creates the components of `names` that `chain` did not find, top-down, logging a CREATE for
 * each. New inodes inherit their parent's group (HDFS semantics). A directory created directly
 * under a project is a dataset and gets its datasets row in the same transaction.
 */
export async function createMissing(
  tx: Tx,
  names: readonly string[],
  chain: Chain,
  spec: CreateSpec,
): Promise<{ inode: Inode; scope: Scope }> {
  const found = chain.inodes.length;
  if (found === names.length) throw invalid(`${spec.what}: already exists`);
  assertDirectories(chain.inodes, names, spec.what);
  if (found < names.length - 1 && !spec.parents)
    throw invalid(`${spec.what}: parent ${formatPath(names.slice(0, found + 1))} does not exist`);
  let parent = chain.inodes[found - 1] ?? { id: ROOT_INODE_ID, groupId: spec.rootGroupId };
  const scope: Scope = { ...chain.scope };
  let created: Inode | undefined;
  for (let i = found; i < names.length; i++) {
    const last = i === names.length - 1;
    const path = names.slice(0, i + 1);
    const isDir = last ? spec.isDir : true;
    const kind = pathKind(path);
    if (kind === 'project')
      throw invalid(`${spec.what}: ${formatPath(path)} would be a project; create it with createProject`);
    if (kind === 'projects' && !isDir) throw invalid(`${spec.what}: /Projects must be a directory`);
    try {
      created = await insertInode(tx, {
        parentId: parent.id,
        name: path[path.length - 1]!,
        isDir,
        size: last ? spec.size : 0,
        userId: spec.actor.userId,
        groupId: parent.groupId,
        permission: spec.permission,
      });
    } catch (err) {
      if (!isDuplicate(err)) throw err;
      // Someone created it since we looked. For the target that is the caller's error; for an
      // ancestor (mkdir -p racing another mkdir -p) retrying sees it and goes on.
      if (last && !spec.parents) throw invalid(`${spec.what}: already exists`);
      throw new Conflict(`${formatPath(path)} was created concurrently`);
    }
    if (kind === 'dataset' && isDir) scope.datasetId = await registerDataset(tx, scope, created, path);
    logRow(tx, created, scope, Operation.CREATE, created.logicalTime, spec.actor);
    parent = created;
  }
  return { inode: created!, scope };
}

async function registerDataset(tx: Tx, scope: Scope, inode: Inode, path: readonly string[]): Promise<number> {
  if (scope.projectId === null) throw invalid(`${formatPath(path.slice(0, 2))} is not a registered project`);
  const result = await tx.exec('INSERT INTO datasets (project_id, name, inode_id) VALUES (?, ?, ?)', [
    scope.projectId,
    inode.name,
    inode.id,
  ]);
  return result.insertId;
}
