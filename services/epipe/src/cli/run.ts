import {
  EpipeError,
  createLogger,
  createMetrics,
  enableProcessMetrics,
  needsOperator,
  secretScrubber,
} from '@epipe/core';
import type { EpipeConfig } from '../config/load';
import { redactConfig, secretValues } from '../config/load';
import { daemonHealth } from '../runtime/health';
import { startHttpServer } from '../runtime/http';
import { ProgressWatch } from '../runtime/progress';
import { createDaemonState, exitCodeOf, supervise } from '../runtime/supervisor';
import { VERSION } from '../version';
import { CONFIG_OPTION, loadCommandConfig, parseCommand } from './args';
import { type Command, EXIT } from './io';

const USAGE = `usage: epipe run [--config <file.json>]

Runs the daemon: takes the leader lock (or stands by, ready, until it can), recovers from the log
table, then tails the binlog. SIGTERM drains in-flight work, deletes acknowledged rows, exits 0.`;

export const run: Command = async (args, io) => {
  const parsed = parseCommand(args, { usage: USAGE, options: CONFIG_OPTION }, io);
  if (typeof parsed === 'number') return parsed;
  const config = loadCommandConfig(parsed.values.config, io);
  if (typeof config === 'number') return config;
  return runDaemon(config);
};

async function runDaemon(config: EpipeConfig): Promise<number> {
  // No secret value leaves the process, whatever carries it (an error message, a URL).
  const scrub = secretScrubber(secretValues(config));
  const logger = createLogger({ level: config.log.level, scrub });
  const metrics = createMetrics();
  enableProcessMetrics(metrics, { version: VERSION });
  const state = createDaemonState();
  const progress = new ProgressWatch(config.health.stuckAfterMs);
  const health = daemonHealth(state, progress);
  const http = await startHttpServer(config.http, metrics, {
    ...health,
    // The last error may quote a client's message; no secret in it may leave through /status.
    status: () => JSON.parse(scrub(JSON.stringify(health.status()))) as Record<string, unknown>,
  });
  logger.info({ config: redactConfig(config), httpPort: http.port, version: VERSION }, 'epipe starting');
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: string) => () => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal: name }, 'second signal: exiting now');
      process.exit(EXIT.failed);
    }
    logger.info({ signal: name }, 'stopping: draining in-flight work');
    state.phase = 'stopping';
    controller.abort(new EpipeError('SHUTDOWN', `received ${name}`));
    // A hard deadline in case a call ignores the abort.
    setTimeout(() => {
      logger.error('shutdown deadline passed: exiting');
      process.exit(EXIT.failed);
    }, config.pipeline.shutdownTimeoutMs + 5_000).unref();
  };
  process.on('SIGTERM', onSignal('SIGTERM'));
  process.on('SIGINT', onSignal('SIGINT'));
  let code: number = EXIT.ok;
  try {
    await supervise(config, { logger, metrics, state, progress }, controller.signal);
    logger.info('epipe stopped cleanly');
  } catch (err) {
    if (needsOperator(err)) {
      // One line that names the system and the reason; restarting cannot help.
      logger.fatal({ code: err.code }, `${err.message}; not retrying, exiting`);
    } else {
      logger.error({ err }, 'epipe stopped with an error');
    }
    code = exitCodeOf(err);
  } finally {
    await http.close();
  }
  // Let pino flush before exiting.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return code;
}
