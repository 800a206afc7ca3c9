/**
 * Who performs an operation. The user is created on first use (like a Kerberos principal the
 * name node has not seen yet); an app id must have been registered with registerApp.
 */
export interface OpContext {
  user: string;
  appId?: string | null;
}

/** One inodes row. mtimeMs is the row's mtime column (milliseconds since the epoch). */
export interface Inode {
  id: number;
  parentId: number;
  name: string;
  isDir: boolean;
  size: number;
  userId: number;
  groupId: number;
  permission: number;
  mtimeMs: number;
  logicalTime: number;
}

export interface InodeStat extends Inode {
  path: string;
  owner: string;
  group: string;
}

/** What a mutation or read did to its inode: the logical_time its log row carries. */
export interface OpResult {
  inodeId: number;
  parentId: number;
  logicalTime: number;
}

export interface DeleteResult extends OpResult {
  /** Inodes removed, the target included. */
  deleted: number;
}

export interface ProjectRef {
  id: number;
  name: string;
  inodeId: number;
}

export interface DatasetRef {
  id: number;
  projectId: number;
  name: string;
  inodeId: number;
}

export interface XattrEntry {
  namespace: string;
  name: string;
  value: Buffer;
}
