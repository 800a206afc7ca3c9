import { Operation } from '@epipe/core';
import type { Pool } from 'mysql2/promise';
import * as catalog from './context';
import { assertDirectories, createMissing, lockForWrite, type Located } from './locate';
import { getXattrs, listDir, stat } from './lookups';
import { ROOT_INODE_ID, SUPERGROUP } from './migrate';
import { formatPath, invalid, parseNonRootPath, pathKind, validatePermission, validateSize } from './paths';
import { Principals } from './principals';
import { resolveChain } from './resolve';
import { hasChildren, lockDescendants, removeInodes } from './subtree';
import { assertMultipleStatements, inTransaction, Tx, type TxHooks, type TxOptions } from './tx';
import type {
  DatasetRef,
  DeleteResult,
  Inode,
  InodeStat,
  OpContext,
  OpResult,
  ProjectRef,
  XattrEntry,
} from './types';
import { isDuplicate, logRow, mutate, type Actor } from './writes';
import { namespaceCode, validateXattrName, xattrValueBuffer, type XattrNamespace } from './xattr';

export interface NameNodeOptions {
  /** Attempts per operation when it deadlocks with a concurrent writer (default 10). */
  attempts?: number;
  hooks?: TxHooks;
  /**
   * Default true. False writes the same inode changes without their fs_log rows: only for the
   * benchmark's logging-overhead baseline, never for a database epipe reads.
   */
  logging?: boolean;
}

/**
 * Performs file-system operations the way a HopsFS name node does: each one a transaction that
 * changes the inodes and writes its fs_log rows, committed together.
 *
 * The pool's connections must have the metadata database as their default database and
 * `multipleStatements: true` (the last log INSERT and the COMMIT are one query); they are
 * switched to READ COMMITTED on first use. Arguments: the operation's own arguments, then the
 * context (who does it), then options.
 */
export class NameNode implements catalog.CatalogDeps {
  readonly principals: Principals;
  private readonly txOptions: TxOptions;

  constructor(
    readonly pool: Pool,
    options: NameNodeOptions = {},
  ) {
    assertMultipleStatements(pool);
    this.principals = new Principals();
    this.txOptions = {
      attempts: options.attempts ?? 10,
      hooks: options.hooks ?? {},
      logging: options.logging ?? true,
    };
  }

  run<T>(operation: string, body: (tx: Tx) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, this.txOptions, operation, body);
  }

  /** Resolves who acts, inside the operation's transaction and before it locks any inode. */
  async actor(tx: Tx, ctx: OpContext): Promise<Actor> {
    if (typeof ctx !== 'object' || ctx === null)
      throw invalid('an operation needs a context { user, appId? }');
    const userId = await this.principals.userId(tx, ctx.user);
    const appId = await this.principals.appId(tx, ctx.appId);
    return { userId, appId };
  }

  // ---- context: users, projects, datasets, jobs, pipelines, apps ----

  createUser(name: string): Promise<number> {
    return this.principals.userId(new Tx(this.pool), name);
  }

  createGroup(name: string): Promise<number> {
    return this.principals.groupId(new Tx(this.pool), name);
  }

  createProject(name: string, owner: string): Promise<ProjectRef> {
    return catalog.createProject(this, name, owner);
  }

  createDataset(project: string, name: string, ctx: OpContext): Promise<DatasetRef> {
    return catalog.createDataset(this, project, name, ctx);
  }

  createJob(project: string, name: string): Promise<number> {
    return catalog.createJob(this, project, name);
  }

  createPipeline(project: string, name: string): Promise<number> {
    return catalog.createPipeline(this, project, name);
  }

  startPipelineRun(pipelineId: number, runName: string): Promise<number> {
    return catalog.startPipelineRun(this, pipelineId, runName);
  }

  startJobExecution(
    jobId: number,
    options: { user: string; pipelineRunId?: number | null },
  ): Promise<number> {
    return catalog.startJobExecution(this, jobId, options);
  }

  registerApp(appId: string, executionId: number | null, user: string): Promise<void> {
    return catalog.registerApp(this, appId, executionId, user);
  }

  // ---- lookups (no locks, no log rows) ----

  stat(path: string): Promise<InodeStat | null> {
    return stat(this.pool, path);
  }

  listDir(path: string): Promise<Inode[]> {
    return listDir(this.pool, path);
  }

  getXattrs(path: string): Promise<XattrEntry[]> {
    return getXattrs(this.pool, path);
  }

  // ---- file-system operations ----

  async mkdir(
    path: string,
    ctx: OpContext,
    options: { parents?: boolean; permission?: number } = {},
  ): Promise<OpResult> {
    const names = parseNonRootPath(path, 'mkdir');
    const permission = validatePermission(options.permission ?? 0o755);
    const parents = options.parents ?? false;
    const what = `mkdir ${path}`;
    return this.run('mkdir', async (tx) => {
      const actor = await this.actor(tx, ctx);
      const rootGroupId = await this.principals.groupId(tx, SUPERGROUP);
      const chain = await resolveChain(tx, names, 'share');
      const existing = chain.inodes[names.length - 1];
      if (existing) {
        if (parents && existing.isDir) return result(existing, existing.logicalTime);
        throw invalid(`${what}: already exists`);
      }
      const { inode } = await createMissing(tx, names, chain, {
        what,
        isDir: true,
        size: 0,
        permission,
        parents,
        actor,
        rootGroupId,
      });
      return result(inode, inode.logicalTime);
    });
  }

  /** Creates a file. With `parents`, missing directories are created first (mkdir -p). */
  async create(
    path: string,
    ctx: OpContext,
    options: { size?: number; permission?: number; parents?: boolean } = {},
  ): Promise<OpResult> {
    const names = parseNonRootPath(path, 'create');
    const size = validateSize(options.size ?? 0, 'size');
    const permission = validatePermission(options.permission ?? 0o644);
    const what = `create ${path}`;
    return this.run('create', async (tx) => {
      const actor = await this.actor(tx, ctx);
      const rootGroupId = await this.principals.groupId(tx, SUPERGROUP);
      const chain = await resolveChain(tx, names, 'share');
      const { inode } = await createMissing(tx, names, chain, {
        what,
        isDir: false,
        size,
        permission,
        parents: options.parents ?? false,
        actor,
        rootGroupId,
      });
      return result(inode, inode.logicalTime);
    });
  }

  async append(path: string, bytes: number, ctx: OpContext): Promise<OpResult> {
    const names = parseNonRootPath(path, 'append');
    validateSize(bytes, 'appended byte count');
    return this.locked({ call: 'append', path, names }, ctx, (tx, { inode, scope }, actor) => {
      if (inode.isDir) throw invalid(`append ${path}: is a directory`);
      return mutate(tx, inode, scope, Operation.APPEND, actor, { size: inode.size + bytes });
    });
  }

  /** Shrinks a file (HDFS truncate never grows one). */
  async truncate(path: string, size: number, ctx: OpContext): Promise<OpResult> {
    const names = parseNonRootPath(path, 'truncate');
    validateSize(size, 'size');
    return this.locked({ call: 'truncate', path, names }, ctx, (tx, { inode, scope }, actor) => {
      if (inode.isDir) throw invalid(`truncate ${path}: is a directory`);
      if (size > inode.size)
        throw invalid(`truncate ${path}: ${size} is larger than the file (${inode.size})`);
      return mutate(tx, inode, scope, Operation.TRUNCATE, actor, { size });
    });
  }

  /**
   * One transaction of `call` on the inode at `names`, write-locked (its ancestors read-locked,
   * see lockForWrite; with `xattr`, whether the inode has it), as the context's actor.
   */
  private locked<T>(
    op: { call: string; path: string; names: readonly string[]; xattr?: { namespace: number; name: string } },
    ctx: OpContext,
    body: (tx: Tx, located: Located, actor: Actor) => Promise<T>,
  ): Promise<T> {
    return this.run(op.call, async (tx) => {
      const actor = await this.actor(tx, ctx);
      return body(tx, await lockForWrite(tx, op.names, `${op.call} ${op.path}`, op.xattr), actor);
    });
  }

  /** Logs an ACCESS at the file's current logical_time, under a shared lock, changing nothing. */
  async read(path: string, ctx: OpContext): Promise<OpResult & { size: number }> {
    const names = parseNonRootPath(path, 'read');
    return this.run('read', async (tx) => {
      const actor = await this.actor(tx, ctx);
      const chain = await resolveChain(tx, names, 'share');
      const inode = chain.inodes[names.length - 1];
      assertDirectories(chain.inodes.slice(0, -1), names, `read ${path}`);
      if (!inode) throw invalid(`read ${path}: no such file or directory`);
      if (inode.isDir) throw invalid(`read ${path}: is a directory`);
      logRow(tx, inode, chain.scope, Operation.ACCESS, inode.logicalTime, actor);
      return { ...result(inode, inode.logicalTime), size: inode.size };
    });
  }

  async chmod(path: string, permission: number, ctx: OpContext): Promise<OpResult> {
    const names = parseNonRootPath(path, 'chmod');
    validatePermission(permission);
    return this.locked({ call: 'chmod', path, names }, ctx, (tx, { inode, scope }, actor) =>
      mutate(tx, inode, scope, Operation.PERMISSION, actor, { permission }),
    );
  }

  /** XATTR_ADD when the name is new on the inode, XATTR_UPDATE otherwise. */
  async setXattr(
    path: string,
    name: string,
    value: string | Uint8Array,
    ctx: OpContext,
    options: { namespace?: XattrNamespace } = {},
  ): Promise<OpResult> {
    const names = parseNonRootPath(path, 'setXattr');
    validateXattrName(name);
    const namespace = namespaceCode(options.namespace);
    const buffer = xattrValueBuffer(value);
    return this.locked(
      { call: 'setXattr', path, names, xattr: { namespace, name } },
      ctx,
      async (tx, located, actor) => {
        await tx.exec(
          `INSERT INTO xattrs (inode_id, namespace, name, value) VALUES (?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE value = VALUES(value)`,
          [located.inode.id, namespace, name, buffer],
        );
        const operation = located.hasXattr ? Operation.XATTR_UPDATE : Operation.XATTR_ADD;
        return mutate(tx, located.inode, located.scope, operation, actor, { xattrName: name });
      },
    );
  }

  async removeXattr(
    path: string,
    name: string,
    ctx: OpContext,
    options: { namespace?: XattrNamespace } = {},
  ): Promise<OpResult> {
    const names = parseNonRootPath(path, 'removeXattr');
    validateXattrName(name);
    const namespace = namespaceCode(options.namespace);
    return this.locked(
      { call: 'removeXattr', path, names, xattr: { namespace, name } },
      ctx,
      async (tx, located, actor) => {
        if (!located.hasXattr) throw invalid(`removeXattr ${path}: no xattr ${JSON.stringify(name)}`);
        await tx.exec('DELETE FROM xattrs WHERE inode_id = ? AND namespace = ? AND name = ?', [
          located.inode.id,
          namespace,
          name,
        ]);
        return mutate(tx, located.inode, located.scope, Operation.XATTR_DELETE, actor, { xattrName: name });
      },
    );
  }

  /**
   * Deletes a file or directory; a non-empty directory only with `recursive`, logging one DELETE
   * per inode, deepest first. Deleting a dataset directory also drops its datasets row.
   */
  async delete(path: string, ctx: OpContext, options: { recursive?: boolean } = {}): Promise<DeleteResult> {
    const names = parseNonRootPath(path, 'delete');
    const kind = pathKind(names);
    if (kind === 'projects' || kind === 'project')
      throw invalid(`delete ${path}: projects are not deleted through the file system`);
    const what = `delete ${path}`;
    return this.run('delete', async (tx) => {
      const actor = await this.actor(tx, ctx);
      const { inode, scope } = await lockForWrite(tx, names, what);
      const levels = inode.isDir && options.recursive ? await lockDescendants(tx, inode) : [];
      if (inode.isDir && !options.recursive && (await hasChildren(tx, inode.id)))
        throw invalid(`${what}: directory is not empty (use recursive)`);
      const deepestFirst = [...levels.reverse().flat(), inode];
      await removeInodes(tx, deepestFirst, scope, actor);
      if (kind === 'dataset' && inode.isDir && scope.datasetId !== null)
        await tx.exec('DELETE FROM datasets WHERE id = ?', [scope.datasetId]);
      return { ...result(inode, inode.logicalTime + 1), deleted: deepestFirst.length };
    });
  }

  /**
   * Moves and/or renames. One RENAME row, for the moved inode only, with its new parent and
   * name: descendants keep their parent, so their paths follow from the tree.
   */
  async rename(src: string, dst: string, ctx: OpContext): Promise<OpResult> {
    const srcNames = parseNonRootPath(src, 'rename');
    const dstNames = parseNonRootPath(dst, 'rename');
    const what = `rename ${src} to ${dst}`;
    checkRenamePaths(srcNames, dstNames, what);
    return this.run('rename', async (tx) => {
      const actor = await this.actor(tx, ctx);
      const { inode } = await lockForWrite(tx, srcNames, what);
      if (inode.isDir && pathKind(srcNames) === 'dataset')
        throw invalid(`${what}: dataset directories cannot be renamed or moved`);
      if (inode.isDir && pathKind(dstNames) === 'dataset')
        throw invalid(`${what}: a directory directly under a project is a dataset; use createDataset`);
      const dstChain = await resolveChain(tx, dstNames, 'share');
      // Checked on the locked rows: a concurrent move of an ancestor could have changed the tree.
      if (dstChain.inodes.some((i) => i.id === inode.id))
        throw invalid(`${what}: cannot move a directory into its own subtree`);
      if (dstChain.inodes.length === dstNames.length) throw invalid(`${what}: destination already exists`);
      assertDirectories(dstChain.inodes, dstNames, what);
      if (dstChain.inodes.length < dstNames.length - 1)
        throw invalid(`${what}: destination parent ${formatPath(dstNames.slice(0, -1))} does not exist`);
      const parentId = dstChain.inodes[dstNames.length - 2]?.id ?? ROOT_INODE_ID;
      const name = dstNames[dstNames.length - 1]!;
      const logicalTime = inode.logicalTime + 1;
      try {
        await tx.exec('UPDATE inodes SET parent_id = ?, name = ?, logical_time = ?, mtime = ? WHERE id = ?', [
          parentId,
          name,
          logicalTime,
          Date.now(),
          inode.id,
        ]);
      } catch (err) {
        if (isDuplicate(err)) throw invalid(`${what}: destination already exists`);
        throw err;
      }
      const moved = { ...inode, parentId, name };
      logRow(tx, moved, dstChain.scope, Operation.RENAME, logicalTime, actor);
      return result(moved, logicalTime);
    });
  }
}

function result(inode: { id: number; parentId: number }, logicalTime: number): OpResult {
  return { inodeId: inode.id, parentId: inode.parentId, logicalTime };
}

/** Refusals that need no lookup. */
export function checkRenamePaths(src: readonly string[], dst: readonly string[], what: string): void {
  const srcKind = pathKind(src);
  const dstKind = pathKind(dst);
  if (srcKind === 'projects' || srcKind === 'project')
    throw invalid(`${what}: /Projects and project directories cannot be renamed or moved`);
  if (dstKind === 'projects' || dstKind === 'project')
    throw invalid(`${what}: the destination would be /Projects or a project directory`);
  if (src.length <= dst.length && src.every((name, i) => dst[i] === name)) {
    if (src.length === dst.length) throw invalid(`${what}: destination already exists`);
    throw invalid(`${what}: cannot move a directory into its own subtree`);
  }
}
