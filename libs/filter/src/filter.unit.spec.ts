import type { FileEvent, OperationName } from '@epipe/core';
import { compileGlob, GlobAutomaton } from './glob';
import { DEFAULT_FILTER_CONFIG } from './config';
import { createFilter, parseTagRule } from './rules';

function event(path: string | null, operation: OperationName = 'CREATE'): FileEvent {
  return { path, operation } as FileEvent;
}

describe('compileGlob', () => {
  it.each([
    ['/Projects/*/Models/**', '/Projects/demo/Models', true],
    ['/Projects/*/Models/**', '/Projects/demo/Models/mnist/1/model.pb', true],
    ['/Projects/*/Models/**', '/Projects/demo/ModelsX/a', false],
    ['/Projects/*/Models/**', '/Projects/a/b/Models/x', false],
    ['/Projects/**/*.csv', '/Projects/a.csv', true],
    ['/Projects/**/*.csv', '/Projects/x/y/z.csv', true],
    ['/Projects/**/*.csv', '/Projects/x/y/z.csvx', false],
    ['/tmp/?', '/tmp/a', true],
    ['/tmp/?', '/tmp/ab', false],
    ['/a.b', '/aXb', false],
    ['/**', '/', true],
    ['/**', '/anything/at/all', true],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(compileGlob(glob).test(path)).toBe(expected);
  });

  it('refuses relative globs', () => {
    expect(() => compileGlob('Projects/**')).toThrow(/absolute/);
  });
});

describe('createFilter', () => {
  it('keeps everything by default', () => {
    expect(createFilter(DEFAULT_FILTER_CONFIG).decide(event('/x'), null).keep).toBe(true);
  });

  it('applies include, then exclude, then operations', () => {
    const filter = createFilter({
      include: ['/Projects/**'],
      exclude: ['/Projects/*/Logs/**'],
      operations: ['CREATE', 'DELETE'],
      tag: null,
    });
    expect(filter.decide(event('/Projects/p/data/f'), null).keep).toBe(true);
    expect(filter.decide(event('/Projects/p/Logs/f'), null).keep).toBe(false);
    expect(filter.decide(event('/tmp/f'), null).keep).toBe(false);
    expect(filter.decide(event('/Projects/p/data/f', 'ACCESS'), null).keep).toBe(false);
  });

  it('keeps events with unknown paths rather than lose them', () => {
    const filter = createFilter({ ...DEFAULT_FILTER_CONFIG, include: ['/Projects/**'] });
    expect(filter.decide(event(null), null).keep).toBe(true);
  });

  it('switches logging with an xattr tag, default on or off', () => {
    const optOut = createFilter({
      ...DEFAULT_FILTER_CONFIG,
      tag: { xattr: 'epipe', offValues: ['off'], default: 'on' },
    });
    expect(optOut.decide(event('/a'), null).keep).toBe(true);
    expect(optOut.decide(event('/a'), { epipe: 'OFF' }).keep).toBe(false);
    expect(optOut.decide(event('/a'), { epipe: 'on' }).keep).toBe(true);
    const optIn = createFilter({
      ...DEFAULT_FILTER_CONFIG,
      tag: { xattr: 'epipe', offValues: ['off'], default: 'off' },
    });
    expect(optIn.decide(event('/a'), null).keep).toBe(false);
    expect(optIn.decide(event('/a'), { epipe: 'on' }).keep).toBe(true);
  });

  it('applies a list of tag rules: the nearest tagged inode decides, an explicit tag wins over the globs', () => {
    const filter = createFilter({
      ...DEFAULT_FILTER_CONFIG,
      exclude: ['/Projects/*/scratch/**'],
      tags: [
        parseTagRule('epipe.log=off:off', 0),
        parseTagRule('epipe.log=debug:debug', 1),
        parseTagRule('provenance=*:on', 2),
      ],
    });
    expect([...filter.tagNames]).toEqual(['epipe.log', 'provenance']);
    // A debug folder below an excluded glob is published; an off one anywhere is not.
    expect(filter.decide(event('/Projects/p/scratch/dbg/f'), { 'epipe.log': 'DEBUG' })).toEqual({
      keep: true,
      rule: 'tag:debug',
    });
    expect(filter.decide(event('/Projects/p/data/f'), { 'epipe.log': 'off' })).toEqual({
      keep: false,
      rule: 'tag',
    });
    // First matching rule wins; an unmatched value falls back to the globs.
    expect(filter.decide(event('/Projects/p/scratch/f'), { 'epipe.log': 'other' })).toEqual({
      keep: false,
      rule: 'exclude',
    });
    expect(filter.decide(event('/Projects/p/scratch/f'), { provenance: 'yes' }).rule).toBe('tag:on');
    expect(filter.decide(event('/Projects/p/data/f'), null)).toEqual({ keep: true, rule: 'kept' });
  });

  it('names the rule that dropped an event', () => {
    const filter = createFilter({
      include: ['/Projects/**'],
      exclude: ['/Projects/*/Logs/**'],
      operations: ['CREATE'],
      tag: null,
      tags: [parseTagRule('t=x:on', 0)],
      untagged: 'on',
    });
    expect(filter.decide(event('/Projects/p/data/f', 'ACCESS'), null).rule).toBe('operation');
    expect(filter.decide(event('/tmp/f'), null).rule).toBe('include');
    expect(filter.decide(event('/Projects/p/Logs/f'), null).rule).toBe('exclude');
    const optIn = createFilter({
      ...DEFAULT_FILTER_CONFIG,
      tags: [parseTagRule('t=x:on', 0)],
      untagged: 'off',
    });
    expect(optIn.decide(event('/a'), null)).toEqual({ keep: false, rule: 'untagged' });
  });

  it('refuses a malformed tag rule, naming it', () => {
    expect(() => parseTagRule('no-mode', 3)).toThrow(
      /filter\.tags\[3\]: expected xattr=value:on\|off\|debug/,
    );
    expect(() => parseTagRule('x=y:maybe', 0)).toThrow(/filter\.tags\[0\]/);
  });

  it('names the bad field in configuration errors', () => {
    expect(() => createFilter({ ...DEFAULT_FILTER_CONFIG, exclude: ['/ok', 'bad'] })).toThrow(
      /filter\.exclude\[1\]/,
    );
    expect(() => createFilter({ ...DEFAULT_FILTER_CONFIG, operations: ['NOPE' as OperationName] })).toThrow(
      /filter\.operations/,
    );
  });
});

describe('covers: what the search index holds', () => {
  const filter = createFilter({
    include: ['/Projects/**'],
    exclude: ['/Projects/*/scratch/**'],
    operations: ['CREATE'],
    tag: null,
    tags: [parseTagRule('epipe.log=off:off', 0), parseTagRule('epipe.log=debug:debug', 1)],
  });

  it('follows the path and tag rules and ignores the operation rules', () => {
    expect(filter.covers('/Projects/p/data/f', null)).toBe(true);
    // An APPEND is not published, but the inode is still one the index holds.
    expect(filter.decide(event('/Projects/p/data/f', 'APPEND'), null).keep).toBe(false);
    expect(filter.covers('/Projects/p/scratch/f', null)).toBe(false);
    expect(filter.covers('/tmp/f', null)).toBe(false);
    expect(filter.covers('/Projects/p/data/f', { 'epipe.log': 'off' })).toBe(false);
    expect(filter.covers('/Projects/p/scratch/f', { 'epipe.log': 'debug' })).toBe(true);
    expect(filter.covers(null, null)).toBe(true);
  });

  it('is scoped only when a path or tag rule can leave an inode out', () => {
    expect(filter.scoped).toBe(true);
    expect(createFilter(DEFAULT_FILTER_CONFIG).scoped).toBe(false);
    expect(createFilter({ ...DEFAULT_FILTER_CONFIG, operations: ['CREATE'] }).scoped).toBe(false);
    expect(createFilter({ ...DEFAULT_FILTER_CONFIG, exclude: ['/tmp/**'] }).scoped).toBe(true);
    expect(createFilter({ ...DEFAULT_FILTER_CONFIG, include: ['/Projects/**'] }).scoped).toBe(true);
    expect(
      createFilter({ ...DEFAULT_FILTER_CONFIG, tags: [parseTagRule('epipe.log=off:off', 0)] }).scoped,
    ).toBe(true);
  });
});

describe('decidePath', () => {
  it('applies the path and tag rules without the operation rules, as decide does after them', () => {
    const filter = createFilter({
      ...DEFAULT_FILTER_CONFIG,
      exclude: ['/Projects/*/Logs/**'],
      operations: ['CREATE'],
      tags: [parseTagRule('logging=off:off', 0)],
    });
    expect(filter.decidePath('/Projects/p/data/f', null)).toEqual({ keep: true, rule: 'kept' });
    expect(filter.decidePath('/Projects/p/Logs/f', null)).toEqual({ keep: false, rule: 'exclude' });
    expect(filter.decidePath('/Projects/p/data/f', { logging: 'OFF' })).toEqual({ keep: false, rule: 'tag' });
    // decide: the operation first, then the same rules.
    expect(filter.decide({ ...event('/Projects/p/data/f'), operation: 'DELETE' }, null).rule).toBe(
      'operation',
    );
    expect(
      filter.decide({ ...event('/Projects/p/data/f'), operation: 'CREATE' }, { logging: 'off' }).rule,
    ).toBe('tag');
  });
});

describe('GlobAutomaton', () => {
  const globs = [
    '/Projects/*/Models/**',
    '/Projects/**/*.csv',
    '/Projects/*/scratch/**',
    '/tmp/?',
    '/**',
    '/a/**/b',
    '/a**',
    '/**b',
    '/a/*x*/**',
    '/a/**/**/b',
    '/a/**/**',
  ];
  // Paths over a small alphabet, so globs and paths share characters often.
  const alphabet = ['/', '/', 'a', 'b', 'x', '.', 'c', 's', 'v', '*', '?'];
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const randomPath = (): string =>
    '/' +
    Array.from(
      { length: Math.floor(random() * 9) },
      () => alphabet[Math.floor(random() * alphabet.length)],
    ).join('');
  const fixed = [
    '/',
    '/Projects/p/Models',
    '/Projects/p/Models/m/1',
    '/Projects/a.csv',
    '/a/b',
    '/a/x/y/b',
    '/ab',
    '/xb',
  ];

  it.each(globs)('matches what compileGlob matches: %s', (glob) => {
    const automaton = GlobAutomaton.of(glob);
    const re = compileGlob(glob);
    for (const path of [...fixed, ...Array.from({ length: 3_000 }, randomPath)])
      expect([path, automaton.matches(path)]).toEqual([path, re.test(path)]);
  });

  it('leaves two prefixes in the same states only when every continuation is judged alike', () => {
    for (const glob of globs) {
      const automaton = GlobAutomaton.of(glob);
      const re = compileGlob(glob);
      for (let i = 0; i < 300; i++) {
        const [a, b] = [randomPath(), randomPath()];
        if (automaton.statesAfter(a) !== automaton.statesAfter(b)) continue;
        for (let j = 0; j < 20; j++) {
          const rest = randomPath().slice(1);
          expect([glob, a, b, rest, re.test(a + rest)]).toEqual([glob, a, b, rest, re.test(b + rest)]);
        }
      }
    }
  });
});

describe('movesCoverage', () => {
  const filter = createFilter({
    ...DEFAULT_FILTER_CONFIG,
    include: ['/Projects/**'],
    exclude: ['/Projects/*/scratch/**', '/Projects/**/*.tmp'],
    tags: [parseTagRule('epipe.log=off:off', 0), parseTagRule('epipe.log=debug:debug', 1)],
  });
  const at = (path: string, tags: Record<string, string> | null = null) => ({ path, tags });

  it.each([
    ['inside a covered dataset', '/Projects/p/data/a', '/Projects/p/data/b/c', false],
    ['between projects, outside any excluded folder', '/Projects/p/data/a', '/Projects/q/models/a', false],
    ['a project renamed', '/Projects/p', '/Projects/q', false],
    ['inside an excluded folder', '/Projects/p/scratch/a', '/Projects/p/scratch/b/c', false],
    ['into an excluded folder', '/Projects/p/data/a', '/Projects/p/scratch/a', true],
    ['out of an excluded folder', '/Projects/p/scratch/a', '/Projects/p/data/a', true],
    ['out of the included tree', '/Projects/p/data/a', '/tmp/a', true],
    ['from a project folder to where a project would be', '/Projects/p/data', '/Projects/data', true],
  ])('%s: %s → %s resyncs: %s', (_, from, to, expected) => {
    expect(filter.movesCoverage(at(from), at(to))).toBe(expected);
  });

  it('counts a change of the tag rule the descendants inherit, not of a value no rule reads', () => {
    const p = '/Projects/p/data/a';
    const q = '/Projects/p/data/b';
    expect(filter.movesCoverage(at(p), at(q, { 'epipe.log': 'off' }))).toBe(true);
    expect(filter.movesCoverage(at(p, { 'epipe.log': 'off' }), at(q, { 'epipe.log': 'OFF ' }))).toBe(false);
    expect(filter.movesCoverage(at(p, { 'epipe.log': 'off' }), at(q, { 'epipe.log': 'debug' }))).toBe(true);
    // A value no rule matches reads as untagged.
    expect(filter.movesCoverage(at(p), at(q, { 'epipe.log': 'loud' }))).toBe(false);
  });

  it('never resyncs when nothing can be left out', () => {
    const everything = createFilter({ ...DEFAULT_FILTER_CONFIG, operations: ['CREATE'] });
    expect(everything.movesCoverage(at('/a'), at('/tmp/b'))).toBe(false);
  });
});
