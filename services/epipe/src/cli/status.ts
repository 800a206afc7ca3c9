import { errorMessage } from '@epipe/core';
import { createPool, type Pool } from 'mysql2/promise';
import type { EpipeConfig } from '../config/load';
import { mysqlPoolOptions } from '../runtime/connections';
import { ROUTES } from '../runtime/http';
import { readLogBacklog } from '../runtime/log-table';
import type { DaemonState } from '../runtime/supervisor';
import { CONFIG_OPTION, loadCommandConfig, parseCommand } from './args';
import { type Command, EXIT } from './io';

const USAGE = `usage: epipe status [--json] [--url <http://host:port>] [--config <file.json>]

What an operator asks first, from the database and the running daemon's /status: who leads,
the binlog position being read, rows waiting in the log table and the oldest's age, lag, the
state of each system epipe writes to, and the last error. --url is the daemon's HTTP address
(default: http://127.0.0.1:<http.port>). Exit 0 when both answered, 1 otherwise.`;

export interface StatusReport {
  database: {
    reachable: boolean;
    error?: string;
    /** Connection id holding the leader lock, null when nobody leads. */
    lockHolder: number | null;
    rowsPending: number | null;
    oldestRowAgeSeconds: number | null;
    /** Where the server writes its binlog now, to compare with what the daemon reads. */
    serverBinlog: string | null;
  };
  daemon: {
    url: string;
    reachable: boolean;
    error?: string;
    phase?: DaemonState['phase'];
    leader?: boolean;
    ready?: boolean;
    stuck?: string | null;
    binlog?: DaemonState['binlog'];
    lagSeconds?: number | null;
    sinks?: Record<string, 'ok' | 'failing'>;
    restarts?: number;
    lastError?: string | null;
  };
}

export const status: Command = async (args, io) => {
  const parsed = parseCommand(
    args,
    { usage: USAGE, options: { ...CONFIG_OPTION, json: { type: 'boolean' }, url: { type: 'string' } } },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const config = loadCommandConfig(parsed.values.config, io);
  if (typeof config === 'number') return config;
  const url = (parsed.values.url ?? `http://127.0.0.1:${config.http.port}`).replace(/\/$/, '');
  const [database, daemon] = await Promise.all([fromDatabase(config), fromDaemon(config, url)]);
  const report: StatusReport = { database, daemon };
  io.out(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report, config));
  return database.reachable && daemon.reachable ? EXIT.ok : EXIT.failed;
};

async function fromDatabase(config: EpipeConfig): Promise<StatusReport['database']> {
  const { mysql } = config;
  const lockName = config.leader.lockName || `epipe:${mysql.database}`;
  let pool: Pool | undefined;
  try {
    // Inside the try: a TLS file that cannot be read is the database's trouble, reported as such.
    pool = createPool(mysqlPoolOptions(mysql, { connectionLimit: 1 }));
    const backlog = await readLogBacklog(pool, mysql.logTable);
    const [lock] = await pool.query({ sql: 'SELECT IS_USED_LOCK(?) AS holder', timeout: 10_000 }, [lockName]);
    const holder = (lock as { holder: number | null }[])[0]?.holder ?? null;
    let serverBinlog: string | null = null;
    try {
      const [rows] = await pool.query({ sql: 'SHOW MASTER STATUS', timeout: 10_000 });
      const row = (rows as { File?: string; Position?: number }[])[0];
      if (row?.File) serverBinlog = `${row.File}:${row.Position}`;
    } catch {
      // Needs BINLOG MONITOR; the rest of the report stands without it.
    }
    return {
      reachable: true,
      lockHolder: holder === null ? null : Number(holder),
      rowsPending: backlog.rows,
      oldestRowAgeSeconds: backlog.oldestCommitMs === null ? 0 : (Date.now() - backlog.oldestCommitMs) / 1000,
      serverBinlog,
    };
  } catch (err) {
    return {
      reachable: false,
      error: errorMessage(err),
      lockHolder: null,
      rowsPending: null,
      oldestRowAgeSeconds: null,
      serverBinlog: null,
    };
  } finally {
    await pool?.end().catch(() => undefined);
  }
}

async function fromDaemon(config: EpipeConfig, url: string): Promise<StatusReport['daemon']> {
  try {
    const res = await fetch(`${url}${ROUTES.status}`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return { url, reachable: false, error: `${ROUTES.status} answered ${res.status}` };
    const s = (await res.json()) as DaemonState & { stuck?: string | null };
    const sinks: Record<string, 'ok' | 'failing'> = {};
    if (s.leader) {
      for (const sink of [
        'mysql',
        ...(config.kafka.enabled ? ['kafka'] : []),
        ...(config.elastic.enabled ? ['elasticsearch'] : []),
      ]) {
        sinks[sink] = s.failing?.includes(sink) ? 'failing' : 'ok';
      }
    }
    return {
      url,
      reachable: true,
      phase: s.phase,
      leader: s.leader,
      ready: s.ready,
      stuck: s.stuck ?? null,
      binlog: s.binlog,
      lagSeconds: s.lastAckedCommitMs ? (Date.now() - s.lastAckedCommitMs) / 1000 : null,
      sinks,
      restarts: s.restarts,
      lastError: s.lastError,
    };
  } catch (err) {
    return { url, reachable: false, error: errorMessage(err) };
  }
}

const seconds = (s: number | null | undefined): string =>
  s === null || s === undefined ? '-' : `${s.toFixed(1)} s`;

/** The report for a terminal. */
export function formatStatus(r: StatusReport, config: Pick<EpipeConfig, 'mysql'>): string {
  const { database: db, daemon: d } = r;
  const lines: [string, string][] = [];
  lines.push(['database', `${config.mysql.database} on ${config.mysql.host}:${config.mysql.port}`]);
  if (!db.reachable) lines.push(['', `unreachable: ${db.error}`]);
  else {
    lines.push([
      'leader lock',
      db.lockHolder === null ? 'free: no instance leads' : `held by connection ${db.lockHolder}`,
    ]);
    lines.push([
      'log table',
      `${db.rowsPending} rows waiting, oldest ${seconds(db.oldestRowAgeSeconds)} old`,
    ]);
    if (db.serverBinlog) lines.push(['server binlog', `${db.serverBinlog} (where the server writes)`]);
  }
  lines.push(['daemon', d.url]);
  if (!d.reachable) lines.push(['', `unreachable: ${d.error}`]);
  else {
    const role = d.leader ? 'leader' : 'standby';
    lines.push([
      'state',
      `${role}, ${d.phase}, ${d.ready ? 'ready' : 'not ready'}${d.stuck ? `, STUCK: ${d.stuck}` : ''}`,
    ]);
    if (d.leader) {
      lines.push(['binlog read', d.binlog?.read ?? '- (recovering from the log table, or nothing read yet)']);
      lines.push(['acknowledged', d.binlog?.acknowledged ?? '-']);
      lines.push(['lag', `newest acknowledged commit ${seconds(d.lagSeconds)} ago`]);
      lines.push([
        'sinks',
        Object.entries(d.sinks ?? {})
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ]);
    }
    lines.push(['restarts', String(d.restarts ?? 0)]);
    lines.push(['last error', d.lastError ?? '-']);
  }
  return lines.map(([k, v]) => `${k.padEnd(14)} ${v}`).join('\n') + '\n';
}
