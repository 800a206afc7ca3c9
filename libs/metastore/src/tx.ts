import { randomInt } from 'node:crypto';
import { EpipeError, retry } from '@epipe/core';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { PendingLog } from './writes';

/** Rows per INSERT when a recursive delete logs a large subtree. */
const LOG_INSERT_CHUNK = 500;

export interface TxHooks {
  /**
   * Runs after the log rows are written and right before COMMIT; throwing rolls the whole
   * operation back. For fault-injection tests. With a hook set, the last log INSERT and the
   * COMMIT are two round trips again (the hook runs between them).
   */
  beforeCommit?: (operation: string) => void | Promise<void>;
}

export interface TxOptions {
  /** Attempts in all when the transaction deadlocks or races a concurrent writer. */
  attempts: number;
  hooks: TxHooks;
  /** False skips the fs_log insert (benchmark baseline only); the inode changes are unchanged. */
  logging: boolean;
}

/**
 * A concurrent writer changed what this transaction resolved (an intermediate directory
 * appeared, say). The whole transaction is retried from scratch.
 */
export class Conflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Conflict';
  }
}

const RETRY_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

function isConflict(err: unknown): boolean {
  if (err instanceof Conflict) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRY_CODES.has(code);
}

/** One open transaction: its connection, and the log rows it will write just before COMMIT. */
export class Tx {
  readonly logs: PendingLog[] = [];
  private readonly committed: (() => void)[] = [];

  /**
   * A pool works too, for statements that need no transaction (stat, createUser): each then
   * commits on its own, and afterCommit callbacks run at once.
   */
  constructor(
    readonly conn: PoolConnection | Pool,
    readonly transactional = false,
  ) {}

  /** Runs `fn` once this transaction's changes are committed (never if it rolls back). */
  afterCommit(fn: () => void): void {
    if (this.transactional) this.committed.push(fn);
    else fn();
  }

  /** Called by inTransaction after COMMIT. */
  runCommitted(): void {
    for (const fn of this.committed.splice(0)) fn();
  }

  async rows(sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
    const [rows] = await this.conn.query<RowDataPacket[]>(sql, params);
    return rows;
  }

  async exec(sql: string, params: unknown[] = []): Promise<ResultSetHeader> {
    const [result] = await this.conn.query<ResultSetHeader>(sql, params);
    return result;
  }

  log(row: PendingLog): void {
    this.logs.push(row);
  }
}

/**
 * Refuses a pool whose connections cannot take a multi-statement query, which every commit with
 * log rows sends: better at construction, naming the option, than at the first write.
 */
export function assertMultipleStatements(pool: Pool): void {
  // mysql2 keeps the normalized options of every connection of a pool here (not in its typings).
  const config = (pool as { pool?: { config?: { connectionConfig?: { multipleStatements?: unknown } } } })
    .pool?.config?.connectionConfig;
  if (config?.multipleStatements !== true)
    throw new EpipeError(
      'CONFIG_INVALID',
      "a NameNode's pool needs the mysql2 option multipleStatements: true: each operation sends its " +
        'last fs_log INSERT and its COMMIT as one query (createPool({ ..., multipleStatements: true }))',
    );
}

// Connections of the caller's pool are switched to READ COMMITTED once: locking reads then take
// no gap locks, so concurrent creates in one directory do not deadlock on the parent's gap,
// and plain reads see the latest committed namespace (the way HopsFS reads NDB).
const prepared = new WeakSet<object>();

async function prepareSession(conn: PoolConnection): Promise<void> {
  if (prepared.has(conn.connection)) return;
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  prepared.add(conn.connection);
}

/**
 * Runs `body` in one transaction, then writes its log rows (stamped with the time right before
 * COMMIT) and commits. Deadlocks and conflicts retry the whole transaction; anything else rolls
 * back and is rethrown, so an inode change and its log row always commit or vanish together.
 */
export async function inTransaction<T>(
  pool: Pool,
  options: TxOptions,
  operation: string,
  body: (tx: Tx) => Promise<T>,
): Promise<T> {
  try {
    return await retry(() => attempt(pool, options, operation, body), {
      attempts: options.attempts,
      minDelayMs: 1,
      maxDelayMs: 40,
      retriable: isConflict,
    });
  } catch (err) {
    if (err instanceof Conflict)
      throw new EpipeError('INVALID_OPERATION', `${operation}: ${err.message}`, {
        retriable: true,
        cause: err,
      });
    throw err;
  }
}

async function attempt<T>(
  pool: Pool,
  options: TxOptions,
  operation: string,
  body: (tx: Tx) => Promise<T>,
): Promise<T> {
  const conn = await pool.getConnection();
  let reusable = true;
  try {
    await prepareSession(conn);
    await conn.query('START TRANSACTION');
    const tx = new Tx(conn, true);
    try {
      const result = await body(tx);
      await commit(tx, options, operation);
      tx.runCommitted();
      return result;
    } catch (err) {
      try {
        await conn.query('ROLLBACK');
      } catch {
        reusable = false;
      }
      throw err;
    }
  } finally {
    if (reusable) conn.release();
    else conn.destroy();
  }
}

const LOG_INSERT =
  'INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, project_id, dataset_id, operation, ' +
  'logical_time, app_id, user_id, xattr_name, commit_ts_ms, tx_id) VALUES ';

/**
 * Ids of writing transactions: random, so writers need no coordination. Two transactions that
 * draw the same id while both have rows in the log table are only read as one by recovery (a
 * larger page), which costs nothing in correctness.
 */
export function newTransactionId(): number {
  return randomInt(1, 2 ** 48 - 1);
}

/**
 * Writes the log rows and commits. The last log INSERT and the COMMIT go to the server as one
 * multi-statement query: one round trip fewer per operation, which is most of what the log row
 * costs a writer. The server stops at the first failing statement of such a query, so a refused
 * log row never reaches the COMMIT, and the caller rolls back. A beforeCommit hook must run
 * between the two, so with a hook they stay separate round trips.
 */
async function commit(tx: Tx, options: TxOptions, operation: string): Promise<void> {
  const hook = options.hooks.beforeCommit;
  const statements = options.logging ? logInserts(tx.logs) : [];
  const last = hook ? undefined : statements.pop();
  for (const statement of statements) await tx.exec(statement.sql, statement.params);
  if (hook) await hook(operation);
  if (last) await tx.conn.query(`${last.sql}; COMMIT`, last.params);
  else await tx.conn.query('COMMIT');
}

interface Statement {
  sql: string;
  params: unknown[];
}

/** The last statements before COMMIT, so commit_ts_ms is as close to the commit as it can be. */
function logInserts(logs: readonly PendingLog[]): Statement[] {
  const commitTsMs = Date.now();
  const txId = newTransactionId();
  const statements: Statement[] = [];
  for (let start = 0; start < logs.length; start += LOG_INSERT_CHUNK) {
    const chunk = logs.slice(start, start + LOG_INSERT_CHUNK);
    const params: unknown[] = [];
    for (const r of chunk) {
      params.push(
        r.inodeId,
        r.parentId,
        r.name,
        r.isDir ? 1 : 0,
        r.projectId,
        r.datasetId,
        r.operation,
        r.logicalTime,
        r.appId,
        r.userId,
        r.xattrName,
        commitTsMs,
        txId,
      );
    }
    statements.push({ sql: LOG_INSERT + chunk.map(() => '(?,?,?,?,?,?,?,?,?,?,?,?,?)').join(','), params });
  }
  return statements;
}
