import { EpipeError } from '@epipe/core';

/**
 * Database names are spliced into DDL, which takes no placeholders. Only a conservative
 * alphabet is accepted, and the result is quoted anyway.
 */
export function quoteDatabase(name: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_]{1,64}$/.test(name))
    throw new EpipeError(
      'CONFIG_INVALID',
      `database name ${JSON.stringify(name)} must be 1..64 of [A-Za-z0-9_]`,
    );
  return `\`${name}\``;
}

/** An account name for CREATE USER/GRANT: 'user'@'host', validated then quoted. */
export function quoteAccount(user: string, host: string): string {
  if (typeof user !== 'string' || !/^[A-Za-z0-9_]{1,32}$/.test(user))
    throw new EpipeError('CONFIG_INVALID', `user name ${JSON.stringify(user)} must be 1..32 of [A-Za-z0-9_]`);
  if (typeof host !== 'string' || !/^(%|[A-Za-z0-9_.:-]{1,255})$/.test(host))
    throw new EpipeError('CONFIG_INVALID', `host ${JSON.stringify(host)} is not a valid account host`);
  return `'${user}'@'${host}'`;
}

/**
 * Splits a migration file into statements at top-level semicolons, skipping comments and
 * respecting quotes, so the pool needs no multipleStatements option.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-' && isCommentStart(sql[i + 2])) {
      i = skipUntil(sql, i, '\n');
    } else if (ch === '#') {
      i = skipUntil(sql, i, '\n');
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated /* comment in SQL');
      i = end + 2;
      current += ' ';
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const end = quotedEnd(sql, i);
      current += sql.slice(i, end);
      i = end;
    } else if (ch === ';') {
      push(statements, current);
      current = '';
      i++;
    } else {
      current += ch;
      i++;
    }
  }
  push(statements, current);
  return statements;
}

/** MariaDB needs whitespace (or the end) after '--', so '1--1' is arithmetic, not a comment. */
function isCommentStart(after: string | undefined): boolean {
  return after === undefined || /\s/.test(after);
}

function skipUntil(sql: string, from: number, marker: string): number {
  const end = sql.indexOf(marker, from);
  return end < 0 ? sql.length : end;
}

/** Index just past the closing quote; a doubled quote or a backslash escapes inside strings. */
function quotedEnd(sql: string, start: number): number {
  const quote = sql[start]!;
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === '\\' && quote !== '`') {
      i += 2;
    } else if (ch === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  throw new Error(`unterminated ${quote} quote in SQL`);
}

function push(statements: string[], text: string): void {
  const trimmed = text.trim();
  if (trimmed.length > 0) statements.push(trimmed);
}
