import type { FileEvent, OperationName } from '@epipe/core';
import { compileGlob } from './glob';
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
