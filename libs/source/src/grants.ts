/** One `GRANT ... ON ... TO ...` line of SHOW GRANTS, reduced to what the server check needs. */
export interface Grant {
  privileges: Set<string>;
  /** '*' for every database; otherwise a name, which on database-level grants may be a LIKE pattern. */
  database: string;
  /** '*' for every table of the database. */
  table: string;
}

const GRANT_LINE =
  /^GRANT\s+(.+?)\s+ON\s+(?:TABLE\s+)?((?:`(?:[^`]|``)*`|[^\s.`]+|\*)(?:\.(?:`(?:[^`]|``)*`|[^\s`]+|\*))?)\s+TO\s/is;

/**
 * Parses one SHOW GRANTS line; undefined for lines that grant no object privilege (role grants,
 * PROXY, routines, SET DEFAULT ROLE). Column-level privileges (`SELECT (a, b)`) are left out: they
 * do not cover whole rows, so they never satisfy a check.
 */
export function parseGrant(line: string): Grant | undefined {
  const match = GRANT_LINE.exec(line.trim());
  if (!match) return undefined;
  const [, privilegeText, target] = match as unknown as [string, string, string];
  if (/^\s*PROXY\b/i.test(privilegeText)) return undefined;
  if (/\bON\s+(FUNCTION|PROCEDURE|PACKAGE)\b/i.test(line)) return undefined;
  const privileges = new Set<string>();
  for (const part of splitTopLevel(privilegeText)) {
    if (part.includes('(')) continue;
    const name = part.trim().replace(/\s+/g, ' ').toUpperCase();
    if (name) privileges.add(name === 'ALL' ? 'ALL PRIVILEGES' : name);
  }
  const [database, table] = splitTarget(target);
  return { privileges, database, table };
}

export function parseGrants(lines: readonly string[]): Grant[] {
  return lines.map(parseGrant).filter((g): g is Grant => g !== undefined);
}

/** Global privileges: only grants ON *.* count. `anyOf` lists names that imply each other. */
export function hasGlobalPrivilege(grants: readonly Grant[], anyOf: readonly string[]): boolean {
  return grants.some((g) => g.database === '*' && grantsAny(g, anyOf));
}

/** A privilege on a whole database: from a global or a database-level grant. */
export function hasDatabasePrivilege(grants: readonly Grant[], privilege: string, database: string): boolean {
  return grants.some(
    (g) => g.table === '*' && grantsAny(g, [privilege]) && databaseMatches(g.database, database),
  );
}

/** A privilege on one table: global, database-level or table-level. */
export function hasTablePrivilege(
  grants: readonly Grant[],
  privilege: string,
  database: string,
  table: string,
): boolean {
  return grants.some((g) => {
    if (!grantsAny(g, [privilege])) return false;
    if (g.table === '*') return databaseMatches(g.database, database);
    // Table-level grants name their database literally (no wildcards there).
    return g.database === database && g.table === table;
  });
}

function grantsAny(grant: Grant, names: readonly string[]): boolean {
  return grant.privileges.has('ALL PRIVILEGES') || names.some((n) => grant.privileges.has(n));
}

/** Database-level grants use LIKE wildcards (`_`, `%`) unless escaped with a backslash. */
function databaseMatches(pattern: string, database: string): boolean {
  if (pattern === '*') return true;
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) regex += escapeRegex(pattern[++i]!);
    else if (c === '%') regex += '.*';
    else if (c === '_') regex += '.';
    else regex += escapeRegex(c);
  }
  return new RegExp(`^${regex}$`, 's').test(database);
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

function splitTarget(target: string): [string, string] {
  const names: string[] = [];
  let i = 0;
  while (i < target.length) {
    if (target[i] === '`') {
      let name = '';
      i++;
      while (i < target.length) {
        if (target[i] === '`' && target[i + 1] === '`') {
          name += '`';
          i += 2;
        } else if (target[i] === '`') {
          i++;
          break;
        } else name += target[i++];
      }
      names.push(name);
    } else {
      const dot = target.indexOf('.', i);
      const end = dot === -1 ? target.length : dot;
      names.push(target.slice(i, end));
      i = end;
    }
    if (target[i] === '.') i++;
  }
  // `ON tbl` (no database) means the default database; SHOW GRANTS never prints it that way.
  return [names[0] ?? '*', names[1] ?? '*'];
}
