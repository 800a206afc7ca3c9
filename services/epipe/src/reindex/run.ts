import { silentLogger } from '@epipe/core';
import { createSqlMetadataReader } from '@epipe/enrich';
import { createFilter, filterConfig } from '@epipe/filter';
import { createIndexRebuilder, type ElasticSinkConfig } from '@epipe/sink-elastic';
import { createPool, type RowDataPacket } from 'mysql2/promise';
import type { EpipeConfig } from '../config/load';
import { mysqlPoolOptions } from '../runtime/connections';
import { elasticAccess } from '../runtime/tls';
import { copyDatabase, type CopyProgress } from './copy';

export interface ReindexSummary extends CopyProgress {
  alias: string;
  source: string;
  target: string;
  resumed: boolean;
  /** Documents of inodes gone from the database, deleted after the switch. */
  swept: number;
  seconds: number;
}

export interface ReindexOptions {
  pageSize?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

/**
 * Why reindex refuses to run. Path and tag rules decide on where an inode is and how it is
 * tagged, which the database holds now, so the copy applies them. Operation rules decide on what
 * happened to an inode: the database keeps only the current state, not which operations made it,
 * so no copy can tell which documents the daemon would have written.
 */
export function reindexRefusal(config: EpipeConfig): string | null {
  if (config.filter.operations.length > 0)
    return `filter.operations is set (${config.filter.operations.join(', ')}): which changes reach the index depends on the operations that made each inode's state, and the database keeps only the state, so a copy cannot rebuild that view; run reindex with a configuration without filter.operations only if the index should hold every live inode the path and tag rules keep`;
  if (!config.elastic.enabled) return 'elastic.enabled is false: there is no search index to rebuild';
  return null;
}

/**
 * Rebuilds the search index from the database while the daemon runs: a new index behind the
 * alias, the database copied into it, the alias switched, the old index dropped (the reasoning
 * is in libs/sink-elastic/src/reindex.ts).
 */
export async function runReindex(config: EpipeConfig, options: ReindexOptions = {}): Promise<ReindexSummary> {
  const started = Date.now();
  const say = options.onProgress ?? (() => undefined);
  const e = config.elastic;
  const sinkConfig: ElasticSinkConfig = {
    ...elasticAccess(e),
    index: e.index,
    requestTimeoutMs: e.requestTimeoutMs,
    maxRetries: e.maxRetries,
    bulkMaxBytes: e.bulkMaxBytes,
    bulkMaxDocs: e.bulkMaxDocs,
    concurrency: 1,
    refreshInterval: e.refreshInterval,
    replicas: e.replicas,
  };
  const { mysql } = config;
  const pool = createPool(mysqlPoolOptions(mysql, { connectionLimit: 2 }));
  const rebuilder = createIndexRebuilder(sinkConfig, { logger: silentLogger() });
  try {
    const began = await rebuilder.begin();
    say(
      began.resumed
        ? `resuming: ${began.alias} writes to ${began.target} (from ${began.source}); copying again`
        : `${began.alias} now writes to ${began.target}; searches still see ${began.source}`,
    );
    const reader = createSqlMetadataReader({ logTable: mysql.logTable }, { pool });
    let lastSaid = 0;
    const copied = await copyDatabase(pool, reader, rebuilder, {
      pageSize: options.pageSize ?? 1_000,
      maxXattrBytes: config.enrich.maxXattrBytes,
      logTable: mysql.logTable,
      filter: createFilter(filterConfig(config.filter)),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (p) => {
        if (Date.now() - lastSaid < 1_000 && p.copied < p.total) return;
        lastSaid = Date.now();
        const pct = p.total > 0 ? Math.min(100, Math.floor((100 * p.copied) / p.total)) : 100;
        const rate = Math.round(p.copied / Math.max(0.001, (Date.now() - started) / 1000));
        say(
          `${bar(pct)} ${pct}% ${p.copied}/${p.total} inodes, ${rate}/s, ${p.fixed} rewritten after moves, ${p.filtered} left out by the filter rules`,
        );
      },
    });
    options.signal?.throwIfAborted();
    await rebuilder.switchOver();
    say(`${began.alias} now points at ${began.target} only`);
    let swept = 0;
    for (let after = 0; ;) {
      const page = await rebuilder.targetPage(after, 1_000);
      if (page.length === 0) break;
      after = page.at(-1)!.id;
      const [rows] = await pool.query<RowDataPacket[]>('SELECT id FROM inodes WHERE id IN (?)', [
        page.map((d) => d.id),
      ]);
      const live = new Set(rows.map((r) => Number(r.id)));
      swept += await rebuilder.deleteIfUnchanged(page.filter((d) => !live.has(d.id) && d.id !== 1));
    }
    await rebuilder.dropSource();
    say(`dropped ${began.source}`);
    return { ...began, ...copied, swept, seconds: (Date.now() - started) / 1000 };
  } finally {
    await rebuilder.close();
    await pool.end().catch(() => undefined);
  }
}

function bar(pct: number): string {
  const filled = Math.round(pct / 5);
  return `[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}]`;
}
