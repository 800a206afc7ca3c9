import { EpipeError, LOG_COLUMNS, type Logger } from '@epipe/core';
import type { SourceConfig } from './config';
import { hasDatabasePrivilege, hasGlobalPrivilege, hasTablePrivilege, parseGrants } from './grants';

/** What the server says about itself and the connected user; gathered by readServerFacts(). */
export interface ServerFacts {
  /** Global variables by lower-case name; absent when the server does not know the variable. */
  variables: Record<string, string | undefined>;
  /** The account the server authenticated us as, e.g. `'epipe'@'%'`. */
  currentUser: string;
  logTableExists: boolean;
  /** The log table's column names, when it exists. */
  logTableColumns?: string[];
  /** SHOW GRANTS lines. */
  grants: string[];
}

export interface ServerVerdict {
  problems: string[];
  warnings: string[];
}

/** Every column the recovery scan reads (the binlog carries whatever the table has). */
export const SCANNED_COLUMNS: readonly string[] = [...LOG_COLUMNS, 'tx_id'];

type CheckTarget = Pick<SourceConfig, 'database' | 'logTable' | 'serverId'>;

/** Pure: every problem names what is wrong and how to fix it. */
export function evaluateServer(facts: ServerFacts, config: CheckTarget): ServerVerdict {
  const problems: string[] = [];
  const warnings: string[] = [];
  const v = (name: string): string | undefined => facts.variables[name]?.toUpperCase();
  const table = `${config.database}.${config.logTable}`;
  const user = facts.currentUser;

  if (v('log_bin') !== 'ON' && v('log_bin') !== '1') {
    problems.push(
      `binary logging is off (log_bin=${v('log_bin') ?? 'unknown'}): start the server with log_bin enabled (log-bin in my.cnf)`,
    );
  }
  if (v('binlog_format') !== 'ROW') {
    problems.push(
      `binlog_format=${v('binlog_format') ?? 'unknown'}, epipe needs ROW: SET GLOBAL binlog_format=ROW and binlog_format=ROW in my.cnf`,
    );
  }
  if (v('binlog_row_image') !== 'FULL') {
    problems.push(
      `binlog_row_image=${v('binlog_row_image') ?? 'unknown'}, epipe needs FULL: SET GLOBAL binlog_row_image=FULL and binlog_row_image=FULL in my.cnf`,
    );
  }
  if (v('binlog_transaction_compression') === 'ON') {
    problems.push(
      'binlog_transaction_compression=ON hides row events from the binlog reader: SET GLOBAL binlog_transaction_compression=OFF',
    );
  }
  if (v('server_id') !== undefined && Number(v('server_id')) === config.serverId) {
    problems.push(
      `the configured serverId ${config.serverId} is the server's own server_id: choose a replica id no other server or reader uses`,
    );
  }
  if (v('binlog_row_metadata') !== 'FULL') {
    warnings.push(
      `binlog_row_metadata=${v('binlog_row_metadata') ?? 'unknown'}: column names are looked up at read time, so rows written before an ALTER TABLE may be mislabelled; SET GLOBAL binlog_row_metadata=FULL`,
    );
  }
  if (!facts.logTableExists) {
    problems.push(
      `the log table ${table} does not exist or ${user} cannot see it: run the metastore migrations, or grant SELECT on it`,
    );
  }

  const missingColumns = facts.logTableColumns
    ? SCANNED_COLUMNS.filter((c) => !facts.logTableColumns!.includes(c))
    : [];
  if (facts.logTableExists && missingColumns.length > 0) {
    problems.push(
      `the log table ${table} lacks the column(s) ${missingColumns.join(', ')}: run the metastore migrations (tx_id keeps transactions whole in recovery)`,
    );
  }

  const grants = parseGrants(facts.grants);
  const grantHint = (privilege: string, on: string): string =>
    `${user} lacks ${privilege}: GRANT ${privilege} ON ${on} TO ${user}`;
  if (!hasGlobalPrivilege(grants, ['REPLICATION SLAVE'])) {
    problems.push(grantHint('REPLICATION SLAVE', '*.*'));
  }
  if (!hasGlobalPrivilege(grants, ['BINLOG MONITOR', 'REPLICATION CLIENT'])) {
    problems.push(
      `${grantHint('BINLOG MONITOR', '*.*')} (REPLICATION CLIENT on MySQL and MariaDB before 10.5)`,
    );
  }
  if (!hasDatabasePrivilege(grants, 'SELECT', config.database)) {
    problems.push(grantHint('SELECT', `\`${config.database}\`.*`));
  }
  if (!hasTablePrivilege(grants, 'DELETE', config.database, config.logTable)) {
    problems.push(grantHint('DELETE', `\`${config.database}\`.\`${config.logTable}\``));
  }
  if (problems.length > 0 && facts.grants.some((g) => /^GRANT\s+`?[^`\s]+`?\s+TO\s/i.test(g.trim()))) {
    warnings.push(`${user} has roles; privileges of a role count only while it is the default role`);
  }
  return { problems, warnings };
}

/** The query part: runs on any connection that can answer these (mysql2's query callback form). */
export interface QueryRunner {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

const CHECKED_VARIABLES = [
  'log_bin',
  'binlog_format',
  'binlog_row_image',
  'binlog_row_metadata',
  'binlog_transaction_compression',
  'server_id',
  'version',
];

export async function readServerFacts(db: QueryRunner, config: CheckTarget): Promise<ServerFacts> {
  const variables: Record<string, string | undefined> = {};
  const rows = await db.query(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${CHECKED_VARIABLES.map(() => '?').join(', ')})`,
    CHECKED_VARIABLES,
  );
  for (const row of rows) variables[String(row.Variable_name).toLowerCase()] = String(row.Value);
  const [userRow] = await db.query('SELECT CURRENT_USER() AS user');
  const currentUser = quoteAccount(typeof userRow?.user === 'string' ? userRow.user : 'unknown@unknown');
  const tables = await db.query(
    'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [config.database, config.logTable],
  );
  const columns = await db.query(
    'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [config.database, config.logTable],
  );
  const grants = (await db.query('SHOW GRANTS')).map((row) => String(Object.values(row)[0]));
  return {
    variables,
    currentUser,
    logTableExists: tables.length > 0,
    logTableColumns: columns.map((c) => String(c.name).toLowerCase()),
    grants,
  };
}

/** Refuses a server epipe cannot read correctly, naming each thing to fix. */
export async function checkServer(db: QueryRunner, config: CheckTarget, logger: Logger): Promise<void> {
  const verdict = evaluateServer(await readServerFacts(db, config), config);
  for (const warning of verdict.warnings) logger.warn(warning);
  if (verdict.problems.length > 0) {
    throw new EpipeError(
      'SERVER_MISCONFIGURED',
      `the server cannot feed epipe: ${verdict.problems.join('; ')}`,
    );
  }
}

function quoteAccount(account: string): string {
  const at = account.lastIndexOf('@');
  if (at < 0) return `'${account}'`;
  return `'${account.slice(0, at)}'@'${account.slice(at + 1)}'`;
}
