import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, startDaemon as spawnDaemon } from '@epipe/harness';
import { ProcWatch, type ProcUsage } from './proc';

/** The repository root, from bench/dist. */
export const REPO_ROOT = join(__dirname, '..', '..');

export interface DaemonOptions {
  env: Record<string, string>;
  logFile: string;
  /** Directory for a V8 CPU profile written at exit (`node --cpu-prof`). */
  cpuProfileDir?: string;
  /** Another build's `services/epipe/dist/main.js` (this tree's unless given), to compare builds. */
  main?: string;
}

export interface Daemon {
  child: ChildProcess;
  httpPort: number;
  watch: ProcWatch;
  exited: Promise<number | null>;
  spawnedAtMs: number;
  waitReady(timeoutMs?: number): Promise<number>;
  metrics(): Promise<Map<string, number>>;
  /** SIGTERM: drain, delete acknowledged rows, exit. Resolves with the exit code and usage. */
  stop(): Promise<{ code: number | null; usage: ProcUsage }>;
  /** SIGKILL: a crash at an arbitrary instant. */
  kill(): Promise<ProcUsage>;
}

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of alive) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Runs the built daemon as its own process (`services/epipe/dist/main.js run`). */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const httpPort = await freePort();
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const { child, exited } = spawnDaemon(
    {
      EPIPE_LOG_LEVEL: 'warn',
      ...options.env,
      EPIPE_HTTP_PORT: String(httpPort),
      EPIPE_HTTP_HOST: '127.0.0.1',
    },
    options.logFile,
    { nodeArgs, ...(options.main ? { main: options.main } : {}) },
  );
  alive.add(child);
  void exited.then(() => alive.delete(child));
  const spawnedAtMs = Date.now();
  const watch = new ProcWatch(child.pid!);
  const base = `http://127.0.0.1:${httpPort}`;
  return {
    child,
    httpPort,
    watch,
    exited,
    spawnedAtMs,
    async waitReady(timeoutMs = 90_000) {
      let gone = false;
      void exited.then(() => (gone = true));
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && !gone) {
        const ok = await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return Date.now();
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `the daemon did not become ready (${gone ? 'it exited' : 'timed out'}); log: ${options.logFile}`,
      );
    },
    async metrics() {
      const text = await fetch(`${base}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      return parseMetrics(text);
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      return { code, usage: watch.stop() };
    },
    async kill() {
      const usage = watch.stop();
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      return usage;
    },
  };
}

/** Prometheus text to `name{labels}` → value; label sets are kept verbatim. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) out.set(line.slice(0, space), value);
  }
  return out;
}

/** The daemon environment for one database, topic and index. */
export function daemonEnv(p: {
  database: string;
  user: string;
  password: string;
  topic: string;
  index: string;
  kafka: boolean;
  elastic: boolean;
  mysqlHost: string;
  mysqlPort: number;
  brokers: string[];
  esUrl: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    EPIPE_MYSQL_HOST: p.mysqlHost,
    EPIPE_MYSQL_PORT: String(p.mysqlPort),
    EPIPE_MYSQL_USER: p.user,
    EPIPE_MYSQL_PASSWORD: p.password,
    EPIPE_MYSQL_DATABASE: p.database,
    EPIPE_KAFKA_BROKERS: p.brokers.join(','),
    EPIPE_KAFKA_TOPIC: p.topic,
    EPIPE_KAFKA_DLQ_TOPIC: `${p.topic}.dlq`,
    EPIPE_KAFKA_ENABLED: String(p.kafka),
    EPIPE_ES_URL: p.esUrl,
    EPIPE_ES_INDEX: p.index,
    EPIPE_ES_ENABLED: String(p.elastic),
    ...(p.extra ?? {}),
  };
}
