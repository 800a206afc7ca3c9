import type { ExecutionContext, InodeState, OperationName } from '@epipe/core';

/** An edge of the inode tree: enough to compute paths. */
export interface Edge {
  inodeId: number;
  parentId: number;
  name: string;
  isDir: boolean;
}

/** Where a page of children ended: the last child's parent and name. */
export interface ChildCursor {
  parentId: number;
  name: string;
}

/** An inode's newest change (reads aside) whose row still waits in the log table. */
export interface LoggedChange {
  logicalTime: number;
  operation: OperationName;
  appId: string | null;
  commitTsMs: number;
}

/**
 * Batched reads of the metadata database that enrichment needs. Every method takes many keys
 * and answers only those it found, so one round trip serves a whole batch.
 */
export interface MetadataReader {
  /** Current edges of these inodes. */
  edges(inodeIds: number[]): Promise<Edge[]>;
  /**
   * Edges of inodes that are gone from the namespace but still have unacknowledged log rows
   * (a later DELETE): the newest row of each tells its last name and parent.
   */
  loggedEdges(inodeIds: number[]): Promise<Edge[]>;
  /** Current states; xattr values over `maxXattrBytes` are left out and listed as oversized. */
  states(inodeIds: number[], maxXattrBytes: number): Promise<InodeState[]>;
  /** Which of these inodes have a DELETE row still in the log table (not yet acknowledged). */
  pendingDeletes(inodeIds: number[]): Promise<Set<number>>;
  userNames(userIds: number[]): Promise<Map<number, string>>;
  projectNames(projectIds: number[]): Promise<Map<number, string>>;
  datasetNames(datasetIds: number[]): Promise<Map<number, string>>;
  contexts(appIds: string[]): Promise<Map<string, ExecutionContext>>;
  /**
   * The children of several directories in one query, ordered by (parent id, name), those after
   * `after` in that order (null: from the first), at most `limit`: the key (parent, name) pages
   * any number of directories of any size.
   */
  children(parentIds: readonly number[], after: ChildCursor | null, limit: number): Promise<Edge[]>;
  /** The newest change (reads aside) of each of these inodes whose row is still logged. */
  loggedChanges(inodeIds: number[]): Promise<Map<number, LoggedChange>>;
  /** Values of one xattr (the tag rule's) on these inodes, named as the keys of `states()` name it. */
  xattrValues(name: string, inodeIds: number[]): Promise<Map<number, string>>;
}
