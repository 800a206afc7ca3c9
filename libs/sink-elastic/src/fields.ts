/**
 * The stored document of one inode, field names as in the index. Queries (the demo, tests,
 * users) use these names; the mapping in template.ts declares each of them.
 */
export interface InodeSource {
  inode_id: number;
  parent_id: number;
  name: string;
  /**
   * The name cut into words at every character that is neither letter nor digit:
   * 'quarterly_report-2024.csv' -> 'quarterly report 2024 csv'. The standard analyzer keeps
   * 'quarterly_report' whole, and the built-in analyzers that split it drop digits.
   */
  name_words: string;
  path: string;
  /** Every ancestor directory path, root first: '/', '/Projects', '/Projects/demo'. */
  ancestor_paths: string[];
  /** Inode ids of the same ancestors, root first. */
  ancestor_ids: number[];
  /** Number of path segments: '/' is 0, '/Projects' is 1. */
  depth: number;
  is_dir: boolean;
  size: number;
  owner: string | null;
  group: string | null;
  permission: number;
  /** Epoch milliseconds. */
  mtime: number;
  logical_time: number;
  /**
   * The epoch whose state the path shows: a directory move rewrites only documents whose path is
   * not newer than the move, so a stale move (a deposed leader's, replayed late) cannot put a
   * subtree back where it was.
   */
  path_epoch?: number;
  project: string | null;
  dataset: string | null;
  xattr_names: string[];
  /** 'name=value', the value cut to XATTR_PAIR_VALUE_MAX_CHARS, for exact tag queries. */
  xattr_pairs: string[];
  xattr_text: string;
  /** Full values, stored for display only (not indexed). */
  xattrs: Record<string, string>;
  last_operation: string;
  last_app_id: string | null;
  /** Epoch milliseconds. */
  last_commit_ts: number;
}

export type InodeField = keyof InodeSource;

/** Field names, for building queries without string typos. */
export const INODE_FIELDS = {
  inodeId: 'inode_id',
  parentId: 'parent_id',
  name: 'name',
  nameKeyword: 'name.keyword',
  nameWords: 'name_words',
  path: 'path',
  pathText: 'path.text',
  ancestorPaths: 'ancestor_paths',
  ancestorIds: 'ancestor_ids',
  depth: 'depth',
  isDir: 'is_dir',
  size: 'size',
  owner: 'owner',
  group: 'group',
  permission: 'permission',
  mtime: 'mtime',
  logicalTime: 'logical_time',
  project: 'project',
  dataset: 'dataset',
  xattrNames: 'xattr_names',
  xattrPairs: 'xattr_pairs',
  xattrText: 'xattr_text',
  xattrs: 'xattrs',
  lastOperation: 'last_operation',
  lastAppId: 'last_app_id',
  lastCommitTs: 'last_commit_ts',
} as const;

export const XATTR_PAIR_VALUE_MAX_CHARS = 256;
/** Per value, in xattr_text: free-text search needs the words, not megabytes of a blob. */
export const XATTR_TEXT_VALUE_MAX_CHARS = 32 * 1024;
