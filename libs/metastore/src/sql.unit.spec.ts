import { EpipeError } from '@epipe/core';
import { loadMigrations } from './migrate';
import { quoteAccount, quoteDatabase, splitStatements } from './sql';
import { usesBinlogMonitor } from './grant';
import { MAX_XATTR_VALUE_BYTES, namespaceCode, namespaceName, xattrValueBuffer } from './xattr';

describe('splitStatements', () => {
  it('splits at top-level semicolons and drops comments', () => {
    const sql = `-- header; not a statement
CREATE TABLE a (x INT); # trailing; comment
/* block; comment */ INSERT INTO a VALUES (1);

;  `;
    expect(splitStatements(sql)).toEqual(['CREATE TABLE a (x INT)', 'INSERT INTO a VALUES (1)']);
  });

  it('keeps semicolons and comment markers inside quotes', () => {
    const sql = `INSERT INTO t VALUES ('a;b', "c -- d", 'it''s', 'x\\';y');SELECT \`we;ird\` FROM t`;
    expect(splitStatements(sql)).toEqual([
      `INSERT INTO t VALUES ('a;b', "c -- d", 'it''s', 'x\\';y')`,
      'SELECT `we;ird` FROM t',
    ]);
  });

  it('does not treat a minus sign as a comment', () => {
    expect(splitStatements('SELECT 1--1;SELECT 2')).toEqual(['SELECT 1--1', 'SELECT 2']);
  });

  it('refuses unterminated quotes and comments', () => {
    expect(() => splitStatements("SELECT 'oops")).toThrow(/unterminated/);
    expect(() => splitStatements('SELECT 1 /* oops')).toThrow(/unterminated/);
  });

  it('splits the shipped migrations into idempotent statements, fs_log last', () => {
    const migrations = loadMigrations();
    expect(migrations.map((m) => m.version)).toEqual([...migrations.map((m) => m.version)].sort());
    const statements = migrations.flatMap((m) => splitStatements(m.sql));
    for (const s of statements)
      expect(s).toMatch(/^(CREATE TABLE IF NOT EXISTS|ALTER TABLE \w+\s+ADD COLUMN IF NOT EXISTS)/);
    expect(statements[statements.length - 1]).toContain('fs_log');
    for (const m of migrations) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('identifiers', () => {
  it('quotes safe database names and refuses the rest', () => {
    expect(quoteDatabase('t_abc123')).toBe('`t_abc123`');
    for (const bad of ['', 'a-b', 'a`b', 'db; DROP DATABASE x', 'x'.repeat(65), 'a.b'])
      expect(() => quoteDatabase(bad)).toThrow(EpipeError);
  });

  it('quotes accounts', () => {
    expect(quoteAccount('epipe', '%')).toBe("'epipe'@'%'");
    expect(quoteAccount('epipe_1', '127.0.0.1')).toBe("'epipe_1'@'127.0.0.1'");
    for (const [user, host] of [
      ["e'p", '%'],
      ['', '%'],
      ['epipe', "x'@'%"],
      ['epipe', ''],
    ])
      expect(() => quoteAccount(user!, host!)).toThrow(EpipeError);
  });
});

describe('usesBinlogMonitor', () => {
  it.each([
    ['10.11.6-MariaDB-0+deb12u1-log', true],
    ['10.5.0-MariaDB', true],
    ['11.4.2-MariaDB', true],
    ['10.4.32-MariaDB', false],
    ['8.0.36', false],
    ['8.4.0-commercial', false],
  ])('%s -> %s', (version, expected) => {
    expect(usesBinlogMonitor(version)).toBe(expected);
  });
});

describe('xattr values', () => {
  it('accepts up to the HopsFS limit in bytes', () => {
    expect(xattrValueBuffer('x'.repeat(MAX_XATTR_VALUE_BYTES))).toHaveLength(MAX_XATTR_VALUE_BYTES);
    expect(() => xattrValueBuffer('x'.repeat(MAX_XATTR_VALUE_BYTES + 1))).toThrow(/13500/);
    expect(() => xattrValueBuffer('é'.repeat(6751))).toThrow(EpipeError);
    expect(xattrValueBuffer(new Uint8Array([1, 2, 3]))).toEqual(Buffer.from([1, 2, 3]));
  });

  it('maps namespaces both ways', () => {
    expect(namespaceCode(undefined)).toBe(0);
    expect(namespaceCode('provenance')).toBe(5);
    expect(namespaceName(5)).toBe('provenance');
    expect(() => namespaceCode('bogus' as never)).toThrow(EpipeError);
    expect(() => namespaceName(9)).toThrow(EpipeError);
  });
});
