import { type FileEvent, type OperationName, OPERATION_NAMES, EpipeError } from '@epipe/core';
import type { FilterConfig, TagValueRule } from './config';
import { compileGlob, GlobAutomaton } from './glob';

/** Why an event was dropped, or which explicit tag published it: the label of the counters. */
export type FilterRule = 'operation' | 'tag' | 'untagged' | 'include' | 'exclude';

export interface Verdict {
  keep: boolean;
  /** The rule that decided when the event is dropped, or the tag mode that published it. */
  rule: FilterRule | 'tag:on' | 'tag:debug' | 'kept';
}

/** The filter stage as the enricher sees it (structurally the enricher's EventFilter). */
export interface EventFilter {
  /** The xattrs the rules read, on the inode or its nearest ancestor that has any of them. */
  readonly tagNames: readonly string[];
  /** `tags`: that nearest tagged inode's values of those xattrs, or null when none has them. */
  decide(event: FileEvent, tags: Readonly<Record<string, string>> | null): Verdict;
  /**
   * Whether the search index holds an inode at `path` with these (nearest) tags: the path and
   * tag rules, not the operation rules, which choose what is published, not what exists. An
   * unknown path is covered, as its events are kept.
   */
  covers(path: string | null, tags: Readonly<Record<string, string>> | null): boolean;
  /**
   * False when no path or tag rule can leave an inode out: moving a directory or switching a
   * tag then never changes which inodes the index holds, and nothing below needs reading.
   */
  readonly scoped: boolean;
  /**
   * Whether moving a directory can change what the path and tag rules say of some inode below
   * it: some glob could judge a path below one place and the same path below the other apart, or
   * the nearest tags differ as the rules read them. `tags`: those the directory has, or else its
   * nearest tagged ancestor's, at each place. False only when that is sure (see GlobAutomaton):
   * a move inside what the same rules cover then needs no subtree read again.
   */
  movesCoverage(from: DirectoryPlace, to: DirectoryPlace): boolean;
  /**
   * The rules that depend on where an inode is and how it is tagged, not on what happened to it
   * (all but `operations`): what a rebuild of the search index from the database's current state
   * can apply. `decide` is `operations`, then this.
   */
  decidePath(path: string | null, tags: Readonly<Record<string, string>> | null): Verdict;
}

/** Where a directory is, as movesCoverage compares two places. */
export interface DirectoryPlace {
  path: string;
  tags: Readonly<Record<string, string>> | null;
}

/** Fails with CONFIG_INVALID, naming the field, when a glob, an operation or a tag rule is wrong. */
export function createFilter(config: FilterConfig): EventFilter {
  return new RuleFilter(config);
}

const KEPT: Verdict = { keep: true, rule: 'kept' };

/** The rules in order: the list first, then the single-xattr switch of earlier versions. */
export function tagRules(config: FilterConfig): TagValueRule[] {
  const rules = [...(config.tags ?? [])];
  if (config.tag) {
    for (const value of config.tag.offValues) rules.push({ xattr: config.tag.xattr, value, mode: 'off' });
    rules.push({ xattr: config.tag.xattr, value: '*', mode: 'tagged' });
  }
  return rules;
}

/**
 * Path, operation and xattr-tag rules. Filtered rows are still acknowledged and deleted by the
 * pipeline; this only decides what is published. An event whose path is unknown is kept:
 * delivering one event too many is safer than losing one.
 */
class RuleFilter implements EventFilter {
  readonly tagNames: readonly string[];
  readonly scoped: boolean;
  private readonly include: RegExp[];
  private readonly exclude: RegExp[];
  /** The include and exclude globs as automata (see movesCoverage). */
  private readonly automata: GlobAutomaton[];
  private readonly operations: Set<OperationName> | null;
  private readonly rules: TagValueRule[];
  private readonly untagged: 'on' | 'off';

  constructor(config: FilterConfig) {
    this.include = config.include.map(compileRule('include'));
    this.exclude = config.exclude.map(compileRule('exclude'));
    this.automata = [...config.include, ...config.exclude].map((glob) => GlobAutomaton.of(glob));
    for (const op of config.operations ?? []) {
      if (!OPERATION_NAMES.includes(op)) {
        throw new EpipeError('CONFIG_INVALID', `filter.operations: unknown operation ${JSON.stringify(op)}`);
      }
    }
    (config.tags ?? []).forEach((rule, i) => {
      if (!rule.xattr || !['on', 'off', 'debug', 'tagged'].includes(rule.mode)) {
        throw new EpipeError(
          'CONFIG_INVALID',
          `filter.tags[${i}]: expected xattr=value:on|off|debug, got ${JSON.stringify(rule)}`,
        );
      }
    });
    this.operations = config.operations ? new Set(config.operations) : null;
    this.rules = tagRules(config).map((r) => ({ ...r, value: r.value.trim().toLowerCase() }));
    this.tagNames = [...new Set(this.rules.map((r) => r.xattr))];
    this.untagged = config.untagged ?? config.tag?.default ?? 'on';
    const everyPath = config.include.includes('/**') && config.exclude.length === 0;
    this.scoped = !everyPath || this.rules.length > 0;
  }

  decide(event: FileEvent, tags: Readonly<Record<string, string>> | null): Verdict {
    if (this.operations && !this.operations.has(event.operation)) return { keep: false, rule: 'operation' };
    return this.decidePath(event.path, tags);
  }

  covers(path: string | null, tags: Readonly<Record<string, string>> | null): boolean {
    return this.decidePath(path, tags).keep;
  }

  movesCoverage(from: DirectoryPlace, to: DirectoryPlace): boolean {
    if (!this.scoped) return false;
    // A descendant with no tag of its own between it and the directory inherits these: the
    // rule they match (or none) decides alike at both places only if it is the same rule.
    if (this.rules.length > 0 && this.matchingOrNone(from.tags) !== this.matchingOrNone(to.tags)) return true;
    // Descendants are at `<place>/<rest>`: the same states after `<place>/` judge every rest alike.
    const below = (path: string): string => (path.endsWith('/') ? path : `${path}/`);
    return this.automata.some(
      (glob) => glob.statesAfter(below(from.path)) !== glob.statesAfter(below(to.path)),
    );
  }

  /** The path and tag rules: tags first (an explicit tag wins over the globs), then the globs. */
  decidePath(path: string | null, tags: Readonly<Record<string, string>> | null): Verdict {
    if (this.rules.length > 0) {
      const rule = tags ? this.matching(tags) : undefined;
      if (rule?.mode === 'off') return { keep: false, rule: 'tag' };
      // An explicit tag wins over the path globs (a debug folder below an excluded glob).
      if (rule?.mode === 'on' || rule?.mode === 'debug') return { keep: true, rule: `tag:${rule.mode}` };
      if (!rule && this.untagged === 'off') return { keep: false, rule: 'untagged' };
    }
    if (path === null) return KEPT;
    if (!this.include.some((re) => re.test(path))) return { keep: false, rule: 'include' };
    if (this.exclude.some((re) => re.test(path))) return { keep: false, rule: 'exclude' };
    return KEPT;
  }

  private matchingOrNone(tags: Readonly<Record<string, string>> | null): TagValueRule | undefined {
    return tags ? this.matching(tags) : undefined;
  }

  private matching(tags: Readonly<Record<string, string>>): TagValueRule | undefined {
    for (const rule of this.rules) {
      const value = tags[rule.xattr];
      if (value === undefined) continue;
      if (rule.value === '*' || rule.value === value.trim().toLowerCase()) return rule;
    }
    return undefined;
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

/** `xattr=value:mode` (value '*' for any), as the configuration writes a tag rule. */
export function parseTagRule(text: string, index: number): TagValueRule {
  const m = /^([^=]+)=(.*):(on|off|debug)$/.exec(text.trim());
  if (!m) {
    throw new EpipeError(
      'CONFIG_INVALID',
      `filter.tags[${index}]: expected xattr=value:on|off|debug, got ${JSON.stringify(text)}`,
    );
  }
  return { xattr: m[1]!.trim(), value: m[2]!, mode: m[3] as TagValueRule['mode'] };
}
