import type { Pool, RowDataPacket } from 'mysql2/promise';
import { quoteAccount, quoteDatabase } from './sql';

export interface EpipeUserOptions {
  database: string;
  user: string;
  password: string;
  host: '%' | '127.0.0.1' | 'localhost';
}

/**
 * Creates (or refreshes the password of) the account epipe connects with, and grants exactly
 * what it needs: read the binlog, read the metadata, delete acknowledged log rows. Existing
 * grants on other databases are kept, so one account can serve several source databases.
 */
export async function grantEpipeUser(pool: Pool, options: EpipeUserOptions): Promise<void> {
  const account = quoteAccount(options.user, options.host);
  const db = quoteDatabase(options.database);
  // The password travels as an escaped literal (DDL takes no placeholders) and is never logged.
  await pool.query(`CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ?`, [options.password]);
  await pool.query(`ALTER USER ${account} IDENTIFIED BY ?`, [options.password]);
  await pool.query(`GRANT REPLICATION SLAVE, ${await binlogMonitorPrivilege(pool)} ON *.* TO ${account}`);
  await pool.query(`GRANT SELECT ON ${db}.* TO ${account}`);
  await pool.query(`GRANT DELETE ON ${db}.\`fs_log\` TO ${account}`);
}

/** MariaDB 10.5 renamed REPLICATION CLIENT to BINLOG MONITOR; MySQL only knows the old name. */
export async function binlogMonitorPrivilege(pool: Pool): Promise<string> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT VERSION() AS version');
  return usesBinlogMonitor(String(rows[0]?.version ?? '')) ? 'BINLOG MONITOR' : 'REPLICATION CLIENT';
}

export function usesBinlogMonitor(version: string): boolean {
  if (!/mariadb/i.test(version)) return false;
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!match) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > 10 || (major === 10 && minor >= 5);
}

/** Drops the account; for tests and tear-down. */
export async function dropEpipeUser(pool: Pool, user: string, host: EpipeUserOptions['host']): Promise<void> {
  await pool.query(`DROP USER IF EXISTS ${quoteAccount(user, host)}`);
}
