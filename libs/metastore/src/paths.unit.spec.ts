import { EpipeError } from '@epipe/core';
import {
  formatPath,
  MAX_NAME_BYTES,
  parseNonRootPath,
  parsePath,
  pathKind,
  validateAppId,
  validateName,
  validatePermission,
  validateProjectName,
  validateSize,
} from './paths';
import { checkRenamePaths } from './namenode';

function refusal(fn: () => unknown): EpipeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EpipeError);
    expect((err as EpipeError).code).toBe('INVALID_OPERATION');
    return err as EpipeError;
  }
  throw new Error('expected a refusal');
}

describe('parsePath', () => {
  it('splits absolute paths and round-trips through formatPath', () => {
    expect(parsePath('/')).toEqual([]);
    expect(parsePath('/a')).toEqual(['a']);
    expect(parsePath('/Projects/p1/Models/m 1/ü.txt')).toEqual(['Projects', 'p1', 'Models', 'm 1', 'ü.txt']);
    for (const path of ['/a', '/a/b/c', '/x y/.hidden/..dots'])
      expect(formatPath(parsePath(path))).toBe(path);
  });

  it.each([
    ['', 'not absolute'],
    ['a/b', 'not absolute'],
    ['//a', 'empty'],
    ['/a//b', 'empty'],
    ['/a/', 'empty'],
    ['/a/./b', 'reserved'],
    ['/a/../b', 'reserved'],
    ['/a\0b', 'NUL'],
  ])('refuses %j (%s)', (path, reason) => {
    expect(refusal(() => parsePath(path)).message).toContain(reason);
  });

  it('refuses non-strings without throwing a TypeError', () => {
    refusal(() => parsePath(42 as unknown as string));
  });

  it('refuses the root where an operation needs an inode', () => {
    expect(refusal(() => parseNonRootPath('/', 'chmod')).message).toContain('root');
    expect(parseNonRootPath('/a', 'chmod')).toEqual(['a']);
  });

  it('refuses over-long paths and depths', () => {
    refusal(() => parsePath('/' + 'a/'.repeat(4000) + 'a'));
    refusal(() => parsePath('/' + Array.from({ length: 1001 }, () => 'a').join('/')));
    expect(parsePath('/' + Array.from({ length: 1000 }, () => 'a').join('/'))).toHaveLength(1000);
  });
});

describe('validateName', () => {
  it('counts the limit in UTF-8 bytes, not characters', () => {
    validateName('a'.repeat(MAX_NAME_BYTES));
    refusal(() => validateName('a'.repeat(MAX_NAME_BYTES + 1)));
    validateName('é'.repeat(127)); // 254 bytes
    expect(refusal(() => validateName('é'.repeat(128))).message).toContain('256 bytes');
    refusal(() => validateName('😀'.repeat(64))); // 256 bytes in 128 UTF-16 units
  });

  it.each(['', 'a/b', '/', '.', '..', 'x\0'])('refuses %j', (name) => {
    refusal(() => validateName(name));
  });
});

describe('validatePermission', () => {
  it('accepts 0..0o7777 integers only', () => {
    expect(validatePermission(0)).toBe(0);
    expect(validatePermission(0o7777)).toBe(0o7777);
    for (const bad of [-1, 0o10000, 1.5, NaN, '644', null, undefined]) refusal(() => validatePermission(bad));
  });
});

describe('other validators', () => {
  it('sizes are non-negative safe integers', () => {
    expect(validateSize(0, 'size')).toBe(0);
    for (const bad of [-1, 0.5, Number.MAX_SAFE_INTEGER + 1, '1']) refusal(() => validateSize(bad, 'size'));
  });

  it('project names are word characters', () => {
    validateProjectName('demo_1');
    for (const bad of ['', 'a-b', 'a b', 'x'.repeat(101), 'ü']) refusal(() => validateProjectName(bad));
  });

  it('app ids are short and safe', () => {
    expect(validateAppId('application_1700000000000_0042')).toBe('application_1700000000000_0042');
    for (const bad of ['', 'a b', "x'; DROP TABLE inodes; --", 'a'.repeat(65), 7])
      refusal(() => validateAppId(bad));
  });
});

describe('pathKind', () => {
  it('places paths in the project layout', () => {
    expect(pathKind([])).toBe('root');
    expect(pathKind(['tmp', 'x'])).toBe('outside');
    expect(pathKind(['Projects'])).toBe('projects');
    expect(pathKind(['Projects', 'p'])).toBe('project');
    expect(pathKind(['Projects', 'p', 'Models'])).toBe('dataset');
    expect(pathKind(['Projects', 'p', 'Models', 'm'])).toBe('in-dataset');
    expect(pathKind(['projects', 'p'])).toBe('outside');
  });
});

describe('checkRenamePaths', () => {
  const check = (src: string, dst: string): void =>
    checkRenamePaths(parsePath(src), parsePath(dst), 'rename');

  it('allows ordinary moves', () => {
    check('/a/b', '/a/c');
    check('/a/b', '/c');
    check('/a/b', '/a/bb/x');
    check('/Projects/p/d/f', '/Projects/q/e/f');
  });

  it('refuses moves into the own subtree, onto itself, and of the project layout', () => {
    expect(refusal(() => check('/a', '/a/b')).message).toContain('own subtree');
    expect(refusal(() => check('/a/b', '/a/b/c/d')).message).toContain('own subtree');
    expect(refusal(() => check('/a/b', '/a/b')).message).toContain('exists');
    refusal(() => check('/Projects', '/P'));
    refusal(() => check('/Projects/p', '/q'));
    refusal(() => check('/tmp/x', '/Projects/x'));
    refusal(() => check('/tmp/x', '/Projects'));
  });
});
