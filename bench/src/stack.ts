import { randomBytes } from 'node:crypto';
import type { StackEnv } from '@epipe/harness';
import { dropEpipeUser, grantEpipeUser, migrate, quoteDatabase } from '@epipe/metastore';
import { Kafka, logLevel } from 'kafkajs';
import { createPool, type Pool, type PoolOptions, type RowDataPacket } from 'mysql2/promise';

export { stackEnv, type StackEnv } from '@epipe/harness';

/** Cleanup that must not hide the error that led to it (a service may be down right now). */
export async function bestEffort(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch {
    // left behind: names carry the run id, so a later run never trips over it
  }
}

export function rootPool(stack: StackEnv, options: PoolOptions = {}): Pool {
  return createPool({ ...stack.mysql, connectionLimit: 4, ...options });
}

/** A pool for a NameNode: its commits are multi-statement queries (the last log INSERT and COMMIT). */
export function writerPool(stack: StackEnv, options: PoolOptions = {}): Pool {
  return rootPool(stack, { ...options, multipleStatements: true });
}

export async function scalar(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(sql, params);
  const first = rows[0];
  return first ? Number(Object.values(first)[0]) : Number.NaN;
}

/** A fresh metadata database; drops a leftover of the same name first. */
export async function freshDatabase(stack: StackEnv, database: string): Promise<void> {
  const root = rootPool(stack, { connectionLimit: 1 });
  try {
    await root.query(`DROP DATABASE IF EXISTS ${quoteDatabase(database)}`);
    await migrate(root, database);
  } finally {
    await root.end();
  }
}

export async function dropDatabase(stack: StackEnv, database: string): Promise<void> {
  const root = rootPool(stack, { connectionLimit: 1 });
  try {
    await root.query(`DROP DATABASE IF EXISTS ${quoteDatabase(database)}`);
  } finally {
    await root.end();
  }
}

export interface EpipeAccount {
  user: string;
  password: string;
}

/** The least-privilege account the daemon runs with, as in production. */
export async function grantAccount(stack: StackEnv, database: string, user: string): Promise<EpipeAccount> {
  const password = randomBytes(12).toString('hex');
  const root = rootPool(stack, { connectionLimit: 1 });
  try {
    await grantEpipeUser(root, { database, user, password, host: '%' });
  } finally {
    await root.end();
  }
  return { user, password };
}

export async function dropAccount(stack: StackEnv, user: string): Promise<void> {
  const root = rootPool(stack, { connectionLimit: 1 });
  try {
    await dropEpipeUser(root, user, '%');
  } finally {
    await root.end();
  }
}

export function kafka(stack: StackEnv, clientId = 'epipe-bench'): Kafka {
  return new Kafka({ clientId, brokers: stack.brokers, logLevel: logLevel.NOTHING });
}

/** Records in a topic: the sum of its partitions' end offsets (0 when it does not exist). */
export async function topicRecords(stack: StackEnv, topic: string): Promise<number> {
  const admin = kafka(stack).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
  } catch {
    return 0;
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(stack: StackEnv, topics: string[]): Promise<void> {
  const admin = kafka(stack).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const gone = topics.filter((t) => existing.has(t));
    if (gone.length > 0) await admin.deleteTopics({ topics: gone, timeout: 30_000 });
  } catch {
    // best effort: a leftover topic costs disk, not correctness
  } finally {
    await admin.disconnect();
  }
}

export async function esJson<T>(stack: StackEnv, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${stack.esUrl}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`elasticsearch ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export async function esCount(stack: StackEnv, index: string): Promise<number> {
  await fetch(`${stack.esUrl}/${index}/_refresh`, { method: 'POST' });
  const body = await esJson<{ count: number }>(stack, `/${index}/_count`).catch(() => ({
    count: Number.NaN,
  }));
  return body.count;
}

export async function deleteIndex(stack: StackEnv, index: string): Promise<void> {
  await fetch(`${stack.esUrl}/${index}`, { method: 'DELETE' }).catch(() => undefined);
  // The daemon's name is an alias over <index>-v1.
  await fetch(`${stack.esUrl}/${index}-v1`, { method: 'DELETE' }).catch(() => undefined);
  await fetch(`${stack.esUrl}/_index_template/${index}-template`, { method: 'DELETE' }).catch(
    () => undefined,
  );
}

/** Versions of the services, for the report. */
export async function serviceVersions(stack: StackEnv): Promise<{ mariadb: string; elasticsearch: string }> {
  const root = rootPool(stack, { connectionLimit: 1 });
  try {
    const [rows] = await root.query<RowDataPacket[]>('SELECT VERSION() AS v');
    // Not GET /: the integ-test distribution answers it with 405.
    const es = await esJson<{ nodes?: Record<string, { version?: string }> }>(
      stack,
      '/_nodes/_local?filter_path=nodes.*.version',
    ).catch(() => ({ nodes: undefined }));
    return {
      mariadb: String(rows[0]?.v),
      elasticsearch: Object.values(es.nodes ?? {})[0]?.version ?? 'unknown',
    };
  } finally {
    await root.end();
  }
}

/**
 * Removes what one daemon run of a phase made (its pool, database, account, topic with its
 * dead-letter topic, and index), each step best effort so one failure does not keep the others.
 */
export async function dropRunResources(
  stack: StackEnv,
  run: { pool: Pool; database: string; user: string; topic: string; index: string },
): Promise<void> {
  await bestEffort(() => run.pool.end());
  await bestEffort(() => dropDatabase(stack, run.database));
  await bestEffort(() => dropAccount(stack, run.user));
  await bestEffort(() => deleteTopics(stack, [run.topic, `${run.topic}.dlq`]));
  await bestEffort(() => deleteIndex(stack, run.index));
}
