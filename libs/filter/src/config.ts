import type { OperationName } from '@epipe/core';

/** The single-xattr switch of earlier versions; kept, and read as rules (see tagRules). */
export interface TagRule {
  /** The xattr that switches logging for an inode and everything below it. */
  xattr: string;
  /** Values that switch logging off (case-insensitive); any other value switches it on. */
  offValues: string[];
  /** Whether untagged inodes are logged. */
  default: 'on' | 'off';
}

/**
 * What one xattr value on an inode (or its nearest tagged ancestor) does:
 * - `off`: nothing below is published;
 * - `on`, `debug`: published, whatever the path globs say (an explicit tag wins);
 * - `tagged`: published if the globs agree (the single-xattr switch's "any other value").
 */
export interface TagValueRule {
  xattr: string;
  /** A value (compared case-insensitively, trimmed), or '*' for any value. */
  value: string;
  mode: 'on' | 'off' | 'debug' | 'tagged';
}

export interface FilterConfig {
  include: string[];
  exclude: string[];
  /** Operations to publish; null publishes all. */
  operations: OperationName[] | null;
  tag: TagRule | null;
  /** Tag rules, first match wins; checked before `tag`'s. */
  tags?: TagValueRule[];
  /** Whether inodes with none of the rules' xattrs are published (the globs still apply). */
  untagged?: 'on' | 'off';
}

export const DEFAULT_FILTER_CONFIG: FilterConfig = {
  include: ['/**'],
  exclude: [],
  operations: null,
  tag: null,
};
