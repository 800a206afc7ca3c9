import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '@epipe/core';

/** What the daemon serves over HTTP; the Kubernetes manifests' probes are checked against these. */
export const ROUTES = {
  metrics: '/metrics',
  live: '/healthz',
  ready: '/readyz',
  status: '/status',
} as const;

export interface Health {
  /** Null while the process works (liveness); otherwise why it does not (stopped, stuck). */
  live(): string | null;
  /** Readiness: a healthy standby, or a leader that can deliver right now. */
  ready(): boolean;
  /** A short human-readable status for /status. */
  status(): Record<string, unknown>;
}

/** /metrics (Prometheus), /healthz (liveness), /readyz (readiness), /status (JSON): see ROUTES. */
export async function startHttpServer(
  options: { host: string; port: number },
  metrics: Metrics,
  health: Health,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const send = (code: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (url === ROUTES.metrics) {
      metrics.registry.metrics().then(
        (text) => send(200, text, metrics.registry.contentType),
        (err: unknown) => send(500, String(err)),
      );
    } else if (url === ROUTES.live) {
      const problem = health.live();
      send(problem === null ? 200 : 503, problem === null ? 'ok\n' : `not live: ${problem}\n`);
    } else if (url === ROUTES.ready) {
      send(health.ready() ? 200 : 503, health.ready() ? 'ready\n' : 'not ready\n');
    } else if (url === ROUTES.status) {
      send(200, JSON.stringify(health.status()), 'application/json');
    } else {
      send(404, 'not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
