import {
  kafkaLogCreator as forwardKafkaLogs,
  kafkaLogLevel as kafkaLevelFor,
  type KafkaLogPolicy,
} from '@epipe/client';
import { type Logger, tlsFailureReason } from '@epipe/core';
import type { logCreator, logLevel } from 'kafkajs';

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
 * One level down: kafkajs logs every retried attempt as an ERROR, while the sink reports the
 * final outcome itself.
 */
export const SINK_LOG_POLICY: KafkaLogPolicy = {
  errors: 'warn',
  expected: (text, extra) => EXPECTED_WARNINGS.some((w) => text.startsWith(w)) || accessAttempt(text, extra),
};

export function kafkaLogCreator(logger: Logger): logCreator {
  return forwardKafkaLogs(logger, SINK_LOG_POLICY);
}

export function kafkaLogLevel(logger: Logger): logLevel {
  return kafkaLevelFor(logger, SINK_LOG_POLICY);
}
