#!/usr/bin/env node
import {
  createLogger,
  createMetrics,
  enableProcessMetrics,
  errorMessage,
  EpipeError,
  needsOperator,
  secretScrubber,
} from '@epipe/core';
import { FIELDS } from './config/schema';
import { type EpipeConfig, loadConfig, redactConfig, secretValues } from './config/load';
import { daemonHealth } from './runtime/health';
import { startHttpServer } from './runtime/http';
import { ProgressWatch } from './runtime/progress';
import { createDaemonState, exitCodeOf, supervise } from './runtime/supervisor';
import { VERSION } from './version';

const USAGE = `usage: epipe <command> [--config <file.json>]

commands:
  run      run the daemon (SIGTERM drains in-flight work, deletes acknowledged rows, exits 0)
  config   print the effective configuration (secrets masked)
  fields   list every configuration field with its environment variable and default

Every field can be set in the JSON file or by its environment variable (environment wins).
A secret field can also be read from a file: <VARIABLE>_FILE, or <secrets.dir>/<field path>.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const configIndex = rest.indexOf('--config');
  const file = configIndex >= 0 ? rest[configIndex + 1] : process.env.EPIPE_CONFIG;
  if (command === 'fields') {
    for (const f of FIELDS) {
      console.log(
        `${f.path.padEnd(28)} ${f.env.padEnd(32)} ${JSON.stringify(f.default).padEnd(24)} ${f.doc}${f.secret ? ` (secret; or ${f.env}_FILE)` : ''}`,
      );
    }
    return 0;
  }
  if (command !== 'run' && command !== 'config') {
    console.error(USAGE);
    return 2;
  }
  let config: EpipeConfig;
  try {
    config = loadConfig(file ? { file } : {});
  } catch (err) {
    console.error(`epipe: ${errorMessage(err)}`);
    return 2;
  }
  if (command === 'config') {
    console.log(JSON.stringify(redactConfig(config), null, 2));
    return 0;
  }
  return run(config);
}

async function run(config: EpipeConfig): Promise<number> {
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
  logger.info({ config: redactConfig(config), httpPort: http.port }, 'epipe starting');
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: string) => () => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal: name }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal: name }, 'stopping: draining in-flight work');
    state.phase = 'stopping';
    controller.abort(new EpipeError('SHUTDOWN', `received ${name}`));
    // A hard deadline in case a call ignores the abort.
    setTimeout(() => {
      logger.error('shutdown deadline passed: exiting');
      process.exit(1);
    }, config.pipeline.shutdownTimeoutMs + 5_000).unref();
  };
  process.on('SIGTERM', onSignal('SIGTERM'));
  process.on('SIGINT', onSignal('SIGINT'));
  let code = 0;
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`epipe: ${errorMessage(err)}`);
    process.exit(1);
  },
);
