import type { ExecutionContext, OperationName } from '@epipe/core';
import { MemoryMetadataReader } from './memory-reader';
import { describeMetadataReaderContract, type MetadataWorld } from './testing/reader-contract';

/**
 * The name node's operations as far as the contract uses them, on a MemoryMetadataReader:
 * ids from one counter (the root is 1), a new inode takes its parent's group, every mutation
 * logs one row per inode and bumps its logical time.
 */
function memoryWorld(): MetadataWorld {
  const reader = new MemoryMetadataReader();
  const ids = new Map<string, number>([['/', 1]]);
  const groups = new Map<number, string>([[1, 'hdfs']]);
  const users = new Map<string, number>();
  let next = 1;
  const id = (path: string): number => ids.get(path) ?? fail(`no such path ${path}`);
  const parentOf = (path: string): string => path.slice(0, path.lastIndexOf('/')) || '/';
  const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
  const userId = (name: string): number => {
    if (!users.has(name)) reader.users.set(users.set(name, ++next).get(name)!, name);
    return users.get(name)!;
  };
  const log = (inodeId: number, operation: OperationName): void => {
    const s = reader.inodes.get(inodeId)!;
    const deletes = operation === 'DELETE';
    const deletePending = deletes || (reader.logged.get(inodeId)?.deletePending ?? false);
    reader.logged.set(inodeId, {
      inodeId,
      parentId: s.parentId,
      name: s.name,
      isDir: s.isDir,
      deletePending,
      // A DELETE row carries the next logical time, as the name node writes it.
      change: {
        logicalTime: s.logicalTime + (deletes ? 1 : 0),
        operation,
        appId: null,
        commitTsMs: Date.now(),
      },
    });
  };
  const add = (path: string, user: string, isDir: boolean, size: number, group?: string): number => {
    userId(user);
    const parentId = id(parentOf(path));
    const inodeId = ++next;
    ids.set(path, inodeId);
    groups.set(inodeId, group ?? groups.get(parentId)!);
    reader.addInode({
      inodeId,
      parentId,
      name: baseName(path),
      isDir,
      size,
      owner: user,
      group: groups.get(inodeId)!,
      permission: isDir ? 0o755 : 0o644,
      mtimeMs: Date.now(),
    });
    log(inodeId, 'CREATE');
    return inodeId;
  };
  const mutate = (
    inodeId: number,
    operation: OperationName,
    change: (s: ReturnType<typeof reader.inodes.get> & object) => void,
  ): void => {
    const s = reader.inodes.get(inodeId)!;
    change(s);
    s.logicalTime++;
    log(inodeId, operation);
  };
  const executions = new Map<number, ExecutionContext>();
  return {
    reader,
    createProject: (name, owner) => {
      if (!ids.has('/Projects')) add('/Projects', 'hdfs', true, 0);
      const inodeId = add(`/Projects/${name}`, owner, true, 0, name);
      const pid = ++next;
      reader.projects.set(pid, name);
      return Promise.resolve({ id: pid, inodeId });
    },
    createDataset: (project, name, user) => {
      const inodeId = add(`/Projects/${project}/${name}`, user, true, 0);
      const did = ++next;
      reader.datasets.set(did, name);
      return Promise.resolve({ id: did, inodeId });
    },
    mkdir: (path, user) => Promise.resolve(add(path, user, true, 0)),
    create: (path, user, size) => Promise.resolve(add(path, user, false, size)),
    setXattr: (path, name, value, namespace = 'user') => {
      const key = namespace === 'user' ? name : `${namespace}.${name}`;
      const operation = key in reader.inodes.get(id(path))!.xattrs ? 'XATTR_UPDATE' : 'XATTR_ADD';
      mutate(id(path), operation, (s) => (s.xattrs = { ...s.xattrs, [key]: value }));
      return Promise.resolve();
    },
    rename: (src, dst) => {
      const inodeId = id(src);
      ids.delete(src);
      ids.set(dst, inodeId);
      mutate(inodeId, 'RENAME', (s) =>
        Object.assign(s, { parentId: id(parentOf(dst)), name: baseName(dst) }),
      );
      return Promise.resolve();
    },
    delete: (path) => {
      // Deepest first; each inode's DELETE row carries its last name and parent.
      const doomed = [...ids.keys()].filter((p) => p === path || p.startsWith(`${path}/`));
      for (const p of doomed.sort((a, b) => b.length - a.length)) {
        const inodeId = id(p);
        log(inodeId, 'DELETE');
        reader.inodes.delete(inodeId);
        ids.delete(p);
      }
      return Promise.resolve();
    },
    acknowledge: (inodeIds) => {
      for (const inodeId of inodeIds) reader.logged.delete(inodeId);
      return Promise.resolve();
    },
    userId: (name) => Promise.resolve(userId(name)),
    registerApp: (appId, _user, execution) => {
      const executionId = execution ? ++next : null;
      const jobId = execution ? ++next : null;
      const pipelineRunId = execution?.run ? ++next : null;
      const context: ExecutionContext = {
        appId,
        jobId,
        jobName: execution?.job ?? null,
        jobProject: execution?.project ?? null,
        jobExecutionId: executionId,
        pipelineName: execution?.run?.pipeline ?? null,
        pipelineRunId,
        pipelineRun: execution?.run?.name ?? null,
      };
      if (executionId !== null) executions.set(executionId, context);
      reader.apps.set(appId, context);
      return Promise.resolve({ executionId, jobId, pipelineRunId });
    },
    close: () => Promise.resolve(),
  };
}

function fail(message: string): never {
  throw new Error(message);
}

describeMetadataReaderContract('MemoryMetadataReader', () => Promise.resolve(memoryWorld()));
