import { type FileEvent, type OperationName, OPERATION_NAMES, EpipeError } from '@epipe/core';
import type { FilterConfig } from './config';
import { compileGlob } from './glob';

/** The filter stage as the enricher sees it (structurally the enricher's EventFilter). */
export interface EventFilter {
  /** The xattr whose value, on the inode or its nearest tagged ancestor, feeds keep(); or null. */
  readonly tagName: string | null;
  keep(event: FileEvent, tag: string | null): boolean;
}

/** Fails with CONFIG_INVALID, naming the field, when a glob or an operation is wrong. */
export function createFilter(config: FilterConfig): EventFilter {
  return new RuleFilter(config);
}

/**
 * Path, operation and xattr-tag rules. Filtered rows are still acknowledged and deleted by the
 * pipeline; this only decides what is published. An event whose path is unknown is kept:
 * delivering one event too many is safer than losing one.
 */
class RuleFilter implements EventFilter {
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
