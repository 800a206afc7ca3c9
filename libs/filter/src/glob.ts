/**
 * Path globs: `*` matches inside one path segment, `**` any number of whole segments
 * (including none), `?` one character. `/Projects/*\/Models/**` matches every model file and
 * the Models directory itself.
 */
export function compileGlob(glob: string): RegExp {
  if (!glob.startsWith('/')) throw new Error(`path glob must be absolute: ${JSON.stringify(glob)}`);
  return new RegExp('^' + globSteps(glob).map(stepSource).join('') + '$');
}

function stepSource(step: Step): string {
  switch (step.kind) {
    case 'char':
      return step.char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    case 'one':
      return '[^/]';
    case 'star':
      return '[^/]*';
    case 'any':
      return '.*';
    case 'segments':
      return '(?:/[^/]+)*/';
    case 'rest':
      return '(?:/.*)?';
  }
}

/** One piece of a glob, as compileGlob reads it. */
type Step =
  | { kind: 'char'; char: string }
  | { kind: 'one' } // ?: one character of a segment
  | { kind: 'star' } // *: any characters of a segment
  | { kind: 'any' } // ** inside a segment: any characters, slashes too
  | { kind: 'segments' } // /**/: a slash, then any whole segments each followed by a slash
  | { kind: 'rest' }; // /** at the end: nothing, or a slash and anything

/** The glob as steps: what its regular expression and its automaton are both made of. */
function globSteps(glob: string): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const atEnd = i + 2 === glob.length;
      const slashAfter = glob[i + 2] === '/';
      if (glob[i - 1] === '/' && (atEnd || slashAfter)) {
        // "/**" or "/**/" takes the slash before it: a char step, or the end of "/**/" just
        // before (zero or more segments twice over are still zero or more segments).
        steps.pop();
        steps.push({ kind: atEnd ? 'rest' : 'segments' });
        i += atEnd ? 1 : 2;
      } else {
        steps.push({ kind: 'any' });
        i += 1;
      }
    } else if (c === '*') steps.push({ kind: 'star' });
    else if (c === '?') steps.push({ kind: 'one' });
    else steps.push({ kind: 'char', char: c });
  }
  return steps;
}

/**
 * A glob as a nondeterministic automaton over characters. A state is a step's index times 4 plus
 * a place inside the step (the `segments` and `rest` steps have several); index = steps.length is
 * the end. What matters of a prefix for every continuation is the set of states it leaves the
 * automaton in: two prefixes that leave the same set are matched alike whatever follows.
 */
export class GlobAutomaton {
  private constructor(private readonly steps: Step[]) {}

  /** Fails as compileGlob does on a glob that is not absolute. */
  static of(glob: string): GlobAutomaton {
    compileGlob(glob);
    return new GlobAutomaton(globSteps(glob));
  }

  /** The states after reading `text` from the start: a key, equal for prefixes matched alike. */
  statesAfter(text: string): string {
    return [...this.run(text)].sort((a, b) => a - b).join(',');
  }

  /** Whether the glob matches `text` (what compileGlob's expression says; the tests check both). */
  matches(text: string): boolean {
    return this.run(text).has(this.steps.length * 4);
  }

  private run(text: string): Set<number> {
    let states = this.closure([0]);
    for (const c of text) {
      if (states.size === 0) break;
      const next: number[] = [];
      for (const s of states) next.push(...this.read(s, c));
      states = this.closure(next);
    }
    return states;
  }

  private closure(from: number[]): Set<number> {
    const out = new Set<number>();
    const todo = [...from];
    while (todo.length > 0) {
      const s = todo.pop()!;
      if (out.has(s)) continue;
      out.add(s);
      todo.push(...this.empty(s));
    }
    return out;
  }

  /** States reached from `s` reading nothing. */
  private empty(s: number): number[] {
    const i = Math.floor(s / 4);
    const at = s % 4;
    const step = this.steps[i];
    const after = (i + 1) * 4;
    if (step === undefined) return [];
    switch (step.kind) {
      case 'star':
      case 'any':
        return at === 0 ? [after] : [];
      case 'rest':
        return at === 0 || at === 1 ? [after] : [];
      case 'segments':
        return at === 1 ? [after] : [];
      default:
        return [];
    }
  }

  /** States reached from `s` reading the character `c`. */
  private read(s: number, c: string): number[] {
    const i = Math.floor(s / 4);
    const at = s % 4;
    const step = this.steps[i];
    const after = (i + 1) * 4;
    const inSegment = c !== '/';
    if (step === undefined) return [];
    switch (step.kind) {
      case 'char':
        return c === step.char ? [after] : [];
      case 'one':
        return inSegment ? [after] : [];
      case 'star':
        return inSegment ? [s] : [];
      case 'any':
        return [s];
      case 'rest':
        // 0: before the optional slash; 1: after it, reading anything.
        return at === 0 ? (c === '/' ? [i * 4 + 1] : []) : [s];
      case 'segments':
        // 0: before the first slash; 1: after a slash (may end); 2: inside a segment.
        if (at === 0) return c === '/' ? [i * 4 + 1] : [];
        if (at === 1) return inSegment ? [i * 4 + 2] : [];
        return inSegment ? [s] : [i * 4 + 1];
    }
  }
}
