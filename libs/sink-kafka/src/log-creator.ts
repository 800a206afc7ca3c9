import { type Logger, tlsFailureReason } from '@epipe/core';
import { logLevel, type logCreator } from 'kafkajs';

/**
 * Messages kafkajs logs as warnings about choices this sink makes on purpose:
 * - retries are bounded so that publish() fails and the outer loop takes over; the sink opens a
 *   fresh idempotent producer after any failure, which keeps sequence numbers consistent.
 */
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer'];

/**
 * Attempts that fail on credentials or certificates: kafkajs logs each retry of them, and the sink
 * then reports the outcome once, as the one line an operator needs; the attempts are debug.
 */
function accessAttempt(text: string, extra: Record<string, unknown>): boolean {
  const detail = `${text} ${typeof extra.error === 'string' ? extra.error : ''}`;
  return (
    /SASL .*authentication failed|with SASL mechanism/i.test(detail) ||
    tlsFailureReason({ message: detail }) !== undefined
  );
}

/**
 * Forwards kafkajs logs to pino, one level down: kafkajs logs every retried attempt as an ERROR,
 * while the sink reports the final outcome itself; INFO is connection chatter.
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      const fields = { kafkajs: namespace, ...extra };
      const text = String(message);
      switch (level) {
        case logLevel.ERROR:
          if (accessAttempt(text, extra)) logger.debug(fields, text);
          else logger.warn(fields, text);
          break;
        case logLevel.WARN:
          if (EXPECTED_WARNINGS.some((w) => text.startsWith(w)) || accessAttempt(text, extra))
            logger.debug(fields, text);
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

/** Lets kafkajs skip building entries that pino would drop anyway. */
export function kafkaLogLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  return logLevel.NOTHING;
}
