import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '@epipe/core';

export interface Health {
  /** The process works (not wedged): liveness. */
  live(): boolean;
  /** epipe can deliver right now: leader, connected, sinks answering. */
  ready(): boolean;
  /** A short human-readable status for /status. */
  status(): Record<string, unknown>;
}

/** /metrics (Prometheus), /healthz (liveness), /readyz (readiness), /status (JSON). */
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
    if (url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => send(200, text, metrics.registry.contentType),
        (err: unknown) => send(500, String(err)),
      );
    } else if (url === '/healthz') {
      send(health.live() ? 200 : 503, health.live() ? 'ok\n' : 'not live\n');
    } else if (url === '/readyz') {
      send(health.ready() ? 200 : 503, health.ready() ? 'ready\n' : 'not ready\n');
    } else if (url === '/status') {
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
