import type { Logger } from '@epipe/core';
import { logLevel, type logCreator } from 'kafkajs';

/**
 * Routes kafkajs' own log lines to the caller's pino logger, as children tagged with the
 * kafkajs namespace. INFO is connection chatter (group joins, commits): debug. Errors stay errors;
 * kafkajs retries most of them itself, and the subscriber reports what it gives up on.
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      const fields = { kafkajs: namespace, ...extra };
      const text = String(message);
      switch (level) {
        case logLevel.ERROR:
          logger.error(fields, text);
          break;
        case logLevel.WARN:
          logger.warn(fields, text);
          break;
        case logLevel.INFO:
          logger.debug(fields, text);
          break;
        default:
          logger.trace(fields, text);
      }
    };
}

/** Lets kafkajs skip building lines the logger would drop anyway. */
export function kafkaLogLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  if (logger.isLevelEnabled('error')) return logLevel.ERROR;
  return logLevel.NOTHING;
}
