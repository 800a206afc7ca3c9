import { EpipeError, errorMessage, tlsFailureReason } from '@epipe/core';
import mysql from 'mysql2/promise';
import type { MysqlTls, SourceConfig } from './config';
import type { QueryRunner } from './server-check';

type ConnectionSettings = Pick<
  SourceConfig,
  'host' | 'port' | 'user' | 'password' | 'connectTimeoutMs' | 'heartbeatMs' | 'tls'
>;

/** mysql2 settings shared by the snapshot connection and zongji's two connections. */
export function connectionOptions(config: ConnectionSettings): mysql.ConnectionOptions {
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    connectTimeout: config.connectTimeoutMs,
    // Keepalive lets the kernel notice a vanished peer; the heartbeat watchdog is the fast path.
    enableKeepAlive: true,
    keepAliveInitialDelay: config.heartbeatMs,
    // Log ids are BIGINT: exact numbers while safe, strings (then poison) beyond 2^53.
    supportBigNumbers: true,
    bigNumberStrings: false,
    ...(config.tls ? { ssl: mysqlSslOptions(config.tls) } : {}),
  };
}

/** mysql2's `ssl` option; the same for every connection epipe makes to the database. */
export function mysqlSslOptions(tls: MysqlTls): mysql.SslOptions {
  return {
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    rejectUnauthorized: true,
    verifyIdentity: tls.verifyIdentity,
  };
}

/** A connection with a per-query timeout, whose failures are EpipeErrors. */
export interface SourceConnection extends QueryRunner {
  readonly threadId: number;
  close(): Promise<void>;
}

export async function openConnection(
  config: ConnectionSettings & Pick<SourceConfig, 'queryTimeoutMs'>,
): Promise<SourceConnection> {
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection(connectionOptions(config));
  } catch (err) {
    throw connectionError(err, `cannot connect to ${config.host}:${config.port}`);
  }
  // An idle connection that dies emits 'error'; without a listener that would crash the process.
  conn.on('error', () => {});
  return {
    threadId: conn.threadId,
    async query(sql, params) {
      try {
        const [rows] = await conn.query({ sql, timeout: config.queryTimeoutMs }, params);
        return rows as Record<string, unknown>[];
      } catch (err) {
        throw connectionError(err, `query failed (${sql.slice(0, 60)})`);
      }
    },
    async close() {
      try {
        await conn.end();
      } catch {
        conn.destroy();
      }
    },
  };
}

const CONFIGURATION_ERRORS = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_NO_SUCH_TABLE',
  'ER_BAD_DB_ERROR',
]);

const AUTH_ERRORS = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR']);

/**
 * Access and schema errors need an operator; everything else is worth a fresh connection.
 * Refused credentials and failed TLS handshakes say so in words an operator can act on.
 */
export function connectionError(err: unknown, what: string): EpipeError {
  if (err instanceof EpipeError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const tls = tlsFailureReason(err);
  if (tls !== undefined) {
    return new EpipeError('TLS_FAILED', `mariadb: ${what}: TLS handshake failed: ${tls}`, { cause: err });
  }
  if (typeof code === 'string' && AUTH_ERRORS.has(code)) {
    return new EpipeError(
      'AUTH_FAILED',
      `mariadb: ${what}: ${errorMessage(err)} (wrong user or password, or the account requires TLS or a client certificate)`,
      { cause: err },
    );
  }
  if (typeof code === 'string' && CONFIGURATION_ERRORS.has(code)) {
    return new EpipeError('SERVER_MISCONFIGURED', `${what}: ${errorMessage(err)}`, { cause: err });
  }
  return new EpipeError('SOURCE_CONNECTION', `${what}: ${errorMessage(err)}`, {
    retriable: true,
    cause: err,
  });
}
