import type { Pool, PoolConnection } from 'mysql2/promise';

type Queryable = Pick<Pool, 'query' | 'execute'>;

/**
 * The pool with a timeout on every query, on the pool and on the connections it hands out.
 * mysql2 has no such pool setting, and a query on a connection whose peer went silent would
 * otherwise wait for TCP to give up (hours): lookups, acknowledgement deletes and the clock
 * reading all go through here.
 */
export function withQueryTimeout(pool: Pool, timeoutMs: number): Pool {
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query' || prop === 'execute') return timed(target, prop, timeoutMs);
      if (prop === 'getConnection') {
        return async () => wrapConnection(await target.getConnection(), timeoutMs);
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function wrapConnection(conn: PoolConnection, timeoutMs: number): PoolConnection {
  return new Proxy(conn, {
    get(target, prop) {
      if (prop === 'query' || prop === 'execute') return timed(target, prop, timeoutMs);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function timed(target: Queryable, method: 'query' | 'execute', timeoutMs: number) {
  const call = target[method].bind(target) as (options: object, values?: unknown) => Promise<unknown>;
  return (sql: string | { sql: string; timeout?: number }, values?: unknown): Promise<unknown> =>
    call(typeof sql === 'string' ? { sql, timeout: timeoutMs } : { timeout: timeoutMs, ...sql }, values);
}

/** pool.end() waits for every connection to say goodbye, which a dead peer never does. */
export async function endPool(pool: Pool, withinMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    pool.end().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs))),
  ]);
  clearTimeout(timer);
}
