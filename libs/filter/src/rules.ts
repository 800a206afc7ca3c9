import { type FileEvent, type OperationName, OPERATION_NAMES, EpipeError } from '@epipe/core';
import { compileGlob } from './glob';

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

export const DEFAULT_FILTER: FilterConfig = { include: ['/**'], exclude: [], operations: null, tag: null };

/**
 * Path, operation and xattr-tag rules. Filtered rows are still acknowledged and deleted by the
 * pipeline; this only decides what is published. An event whose path is unknown is kept:
 * delivering one event too many is safer than losing one.
 */
export class RuleFilter {
  readonly tagName: string | null;
  private readonly include: RegExp[];
  private readonly exclude: RegExp[];
  private readonly operations: Set<OperationName> | null;
  private readonly offValues: Set<string>;

  constructor(private readonly config: FilterConfig) {
    this.include = config.include.map(compileRule('include'));
    this.exclude = config.exclude.map(compileRule('exclude'));
    for (const op of config.operations ?? []) {
      if (!OPERATION_NAMES.includes(op)) {
        throw new EpipeError('CONFIG_INVALID', `filter.operations: unknown operation ${JSON.stringify(op)}`);
      }
    }
    this.operations = config.operations ? new Set(config.operations) : null;
    this.tagName = config.tag?.xattr ?? null;
    this.offValues = new Set((config.tag?.offValues ?? []).map((v) => v.toLowerCase()));
  }

  keep(event: FileEvent, tag: string | null): boolean {
    if (this.operations && !this.operations.has(event.operation)) return false;
    if (this.config.tag) {
      const on =
        tag === null ? this.config.tag.default === 'on' : !this.offValues.has(tag.trim().toLowerCase());
      if (!on) return false;
    }
    if (event.path === null) return true;
    const path = event.path;
    if (!this.include.some((re) => re.test(path))) return false;
    return !this.exclude.some((re) => re.test(path));
  }
}

function compileRule(field: string) {
  return (glob: string, index: number): RegExp => {
    try {
      return compileGlob(glob);
    } catch (err) {
      throw new EpipeError('CONFIG_INVALID', `filter.${field}[${index}]: ${(err as Error).message}`);
    }
  };
}
