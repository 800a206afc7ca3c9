import { declareFields, defaultsOf, type FieldValues, type OperationName } from '@epipe/core';
import { parseTagRule } from './rules';

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

/** The `filter` section of the configuration: flat, as an operator writes it (see filterConfig). */
export const FILTER_FIELDS = declareFields({
  include: { type: 'list', env: 'EPIPE_FILTER_INCLUDE', default: ['/**'], doc: 'Path globs to publish' },
  exclude: { type: 'list', env: 'EPIPE_FILTER_EXCLUDE', default: [], doc: 'Path globs not to publish' },
  operations: {
    type: 'list',
    env: 'EPIPE_FILTER_OPERATIONS',
    default: [],
    doc: 'Operations to publish (empty: all)',
  },
  tagXattr: {
    type: 'string',
    env: 'EPIPE_FILTER_TAG',
    default: '',
    doc: 'Xattr that switches logging for a subtree (empty: no tag rule)',
  },
  tagOffValues: {
    type: 'list',
    env: 'EPIPE_FILTER_TAG_OFF',
    default: ['off', 'false', '0'],
    doc: 'Tag values that mean off',
  },
  tagDefault: {
    type: 'string',
    env: 'EPIPE_FILTER_TAG_DEFAULT',
    default: 'on',
    oneOf: ['on', 'off'],
    doc: 'Logging for untagged subtrees',
  },
  tags: {
    type: 'list',
    env: 'EPIPE_FILTER_TAGS',
    default: [],
    doc: 'Tag rules, first match wins: xattr=value:on|off|debug (value * for any). The nearest tagged inode decides; on and debug publish whatever the path globs say',
  },
});

export type FilterSettings = FieldValues<typeof FILTER_FIELDS>;

/**
 * The filter's rules from the `filter` section. Operation names and tag rules are checked by
 * createFilter and parseTagRule, with the field named in the error.
 */
export function filterConfig(s: FilterSettings): FilterConfig {
  return {
    include: s.include,
    exclude: s.exclude,
    operations: s.operations.length > 0 ? (s.operations as OperationName[]) : null,
    tag: s.tagXattr ? { xattr: s.tagXattr, offValues: s.tagOffValues, default: s.tagDefault } : null,
    tags: s.tags.map(parseTagRule),
    untagged: s.tagDefault,
  };
}

// Without `tags` and `untagged`, so a caller that sets only `tag` gets that rule's default for
// untagged inodes (untagged, when given, would override it).
const { tags: _tags, untagged: _untagged, ...declared } = filterConfig(defaultsOf(FILTER_FIELDS));
export const DEFAULT_FILTER_CONFIG: FilterConfig = declared;
