#!/usr/bin/env node
import { createLogger, createMetrics, enableProcessMetrics, errorMessage, EpipeError } from '@epipe/core';
import { cliCommand, CLI_USAGE, cliProcessIo } from './cli';
import { FIELDS } from './config/schema';
import { type EpipeConfig, loadConfig, redactConfig } from './config/load';
import { startHttpServer } from './runtime/http';
import { type DaemonState, supervise } from './runtime/supervisor';

const USAGE = `usage: epipe <command> [--config <file.json>]

commands:
  run      run the daemon (SIGTERM drains in-flight work, deletes acknowledged rows, exits 0)
  config   print the effective configuration (secrets masked)
  fields   list every configuration field with its environment variable and default

Every field can be set in the JSON file or by its environment variable (environment wins).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const configIndex = rest.indexOf('--config');
  const file = configIndex >= 0 ? rest[configIndex + 1] : process.env.EPIPE_CONFIG;
  const readCommand = cliCommand(command);
  if (readCommand) return readCommand(rest, cliProcessIo());
  if (command === 'fields') {
    for (const f of FIELDS) {
      console.log(
        `${f.path.padEnd(28)} ${f.env.padEnd(32)} ${JSON.stringify(f.default).padEnd(24)} ${f.doc}`,
      );
    }
    return 0;
  }
  if (command !== 'run' && command !== 'config') {
    console.error(`${USAGE}\n\n${CLI_USAGE}`);
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
  const logger = createLogger({ level: config.log.level });
  const metrics = createMetrics();
  enableProcessMetrics(metrics);
  const state: DaemonState = { phase: 'starting', ready: false, restarts: 0, lastError: null };
  const http = await startHttpServer(config.http, metrics, {
    live: () => state.phase !== 'stopped',
    ready: () => state.ready,
    status: () => ({ ...state }),
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
    await supervise(config, { logger, metrics, state }, controller.signal);
    logger.info('epipe stopped cleanly');
  } catch (err) {
    logger.error({ err: errorMessage(err) }, 'epipe stopped with an error');
    code = 1;
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
