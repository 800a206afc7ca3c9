import { type Metrics, createMetrics, silentLogger } from '@epipe/core';
import type { Pool, ResultSetHeader } from 'mysql2/promise';
import type { SourceConfig } from '../config';
import { type LogSource, createLogSource } from '../source';
import { insertSql } from './rows';

/** A replica id no other test run is likely to use (the server drops the older of two dumps). */
export function randomServerId(): number {
  return 100_000 + Math.floor(Math.random() * 2_000_000_000);
}

export function sourceConfig(
  server: { host: string; port: number; user: string; password: string },
  database: string,
  overrides: Partial<SourceConfig> = {},
): SourceConfig {
  return {
    ...server,
    database,
    logTable: 'fs_log',
    serverId: randomServerId(),
    scanPageRows: 100,
    chunkMaxRows: 1_000,
    chunkMaxBytes: 1 << 20,
    queueMaxBytes: 4 << 20,
    heartbeatMs: 5_000,
    connectTimeoutMs: 5_000,
    queryTimeoutMs: 30_000,
    ...overrides,
  };
}

export function testSource(config: SourceConfig): { source: LogSource; metrics: Metrics } {
  const metrics = createMetrics();
  return { source: createLogSource(config, { logger: silentLogger(), metrics }), metrics };
}

/** Inserts `count` log rows in one statement; returns their ids (consecutive: one writer per database). */
export async function insertRows(
  db: Pick<Pool, 'query'>,
  database: string,
  count: number,
  overrides: Parameters<typeof insertSql>[2] = {},
): Promise<number[]> {
  const [result] = await db.query<ResultSetHeader>(insertSql(database, count, overrides));
  return Array.from({ length: count }, (_, i) => result.insertId + i);
}

export async function gaugeValue(gauge: Metrics['sourceConnected']): Promise<number> {
  return (await gauge.get()).values[0]?.value ?? 0;
}
