import type { ExecutionContext, InodeState } from '@epipe/core';

/** An edge of the inode tree: enough to compute paths. */
export interface Edge {
  inodeId: number;
  parentId: number;
  name: string;
  isDir: boolean;
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
  /** Values of one xattr (the tag rule's) on these inodes, named as the keys of `states()` name it. */
  xattrValues(name: string, inodeIds: number[]): Promise<Map<number, string>>;
}
