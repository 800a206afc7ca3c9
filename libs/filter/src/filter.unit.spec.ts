import type { FileEvent, OperationName } from '@epipe/core';
import { compileGlob } from './glob';
import { DEFAULT_FILTER_CONFIG } from './config';
import { createFilter } from './rules';

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
    expect(createFilter(DEFAULT_FILTER_CONFIG).keep(event('/x'), null)).toBe(true);
  });

  it('applies include, then exclude, then operations', () => {
    const filter = createFilter({
      include: ['/Projects/**'],
      exclude: ['/Projects/*/Logs/**'],
      operations: ['CREATE', 'DELETE'],
      tag: null,
    });
    expect(filter.keep(event('/Projects/p/data/f'), null)).toBe(true);
    expect(filter.keep(event('/Projects/p/Logs/f'), null)).toBe(false);
    expect(filter.keep(event('/tmp/f'), null)).toBe(false);
    expect(filter.keep(event('/Projects/p/data/f', 'ACCESS'), null)).toBe(false);
  });

  it('keeps events with unknown paths rather than lose them', () => {
    const filter = createFilter({ ...DEFAULT_FILTER_CONFIG, include: ['/Projects/**'] });
    expect(filter.keep(event(null), null)).toBe(true);
  });

  it('switches logging with an xattr tag, default on or off', () => {
    const optOut = createFilter({
      ...DEFAULT_FILTER_CONFIG,
      tag: { xattr: 'epipe', offValues: ['off'], default: 'on' },
    });
    expect(optOut.keep(event('/a'), null)).toBe(true);
    expect(optOut.keep(event('/a'), 'OFF')).toBe(false);
    expect(optOut.keep(event('/a'), 'on')).toBe(true);
    const optIn = createFilter({
      ...DEFAULT_FILTER_CONFIG,
      tag: { xattr: 'epipe', offValues: ['off'], default: 'off' },
    });
    expect(optIn.keep(event('/a'), null)).toBe(false);
    expect(optIn.keep(event('/a'), 'on')).toBe(true);
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
