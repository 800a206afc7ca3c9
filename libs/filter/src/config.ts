import type { OperationName } from '@epipe/core';

export interface TagRule {
  /** The xattr that switches logging for an inode and everything below it. */
  xattr: string;
  /** Values that switch logging off (case-insensitive); any other value switches it on. */
  offValues: string[];
  /** Whether untagged inodes are logged. */
  default: 'on' | 'off';
}

export interface FilterConfig {
  include: string[];
  exclude: string[];
  /** Operations to publish; null publishes all. */
  operations: OperationName[] | null;
  tag: TagRule | null;
}

export const DEFAULT_FILTER_CONFIG: FilterConfig = {
  include: ['/**'],
  exclude: [],
  operations: null,
  tag: null,
};
