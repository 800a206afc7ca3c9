import type { Logger } from '@epipe/core';
import { logLevel, type logCreator } from 'kafkajs';

/** How kafkajs' own levels map onto the caller's logger. */
export interface KafkaLogPolicy {
  /**
   * The level of kafkajs' ERROR lines: 'error' where the caller gives up on what kafkajs could
   * not do; 'warn' where kafkajs logs every retried attempt as an ERROR and the caller reports
   * the final outcome itself.
   */
  errors: 'error' | 'warn';
  /** ERROR and WARN lines the caller expects (choices it made, attempts it reports): debug. */
  expected?: (text: string, extra: Record<string, unknown>) => boolean;
}

/**
 * Errors stay errors: kafkajs retries most of them itself, and the subscriber reports what it
 * gives up on.
 */
const SUBSCRIBER_POLICY: KafkaLogPolicy = { errors: 'error' };

/**
 * Routes kafkajs' own log lines to the caller's pino logger, tagged with the kafkajs namespace.
 * INFO is connection chatter (group joins, commits): debug.
 */
export function kafkaLogCreator(logger: Logger, policy: KafkaLogPolicy = SUBSCRIBER_POLICY): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      const fields = { kafkajs: namespace, ...extra };
      const text = String(message);
      switch (level) {
        case logLevel.ERROR:
        case logLevel.WARN:
          if (policy.expected?.(text, extra)) logger.debug(fields, text);
          else if (level === logLevel.ERROR && policy.errors === 'error') logger.error(fields, text);
          else logger.warn(fields, text);
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
export function kafkaLogLevel(logger: Logger, policy: KafkaLogPolicy = SUBSCRIBER_POLICY): logLevel {
  if (logger.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  if (policy.errors === 'error' && logger.isLevelEnabled('error')) return logLevel.ERROR;
  return logLevel.NOTHING;
}
