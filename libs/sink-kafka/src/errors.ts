import { EpipeError, errorMessage, tlsFailureReason } from '@epipe/core';

/**
 * What a failed produce means for the records in it:
 * - `record`: the broker refused the records themselves; retrying the same bytes cannot help, but
 *   the others in the request may be fine, so the sink isolates the culprits and reports them;
 * - `retriable`: the cluster is unwell (connection, timeout, leadership, ISR); try again later;
 * - `fatal`: configuration or permission; retrying will not help until an operator acts.
 */
export type KafkaFailureKind = 'record' | 'retriable' | 'fatal';

const RECORD_ERRORS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TIMESTAMP',
]);

const FATAL_ERRORS = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
  'INVALID_REQUIRED_ACKS',
  'POLICY_VIOLATION',
  'INVALID_CONFIG',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_PARTITIONS',
  'INVALID_TOPIC_EXCEPTION',
]);

/**
 * Broken producer-session state (sequence numbers, producer epoch). kafkajs marks these
 * non-retriable, but a fresh producer, which the sink opens after any failure, fixes them.
 */
const SESSION_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'INVALID_PRODUCER_EPOCH',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_ID_MAPPING',
]);

const FATAL_NAMES = new Set(['KafkaJSSASLAuthenticationError', 'KafkaJSServerDoesNotSupportApiKey']);

const TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
]);

interface KafkaLikeError {
  name?: unknown;
  type?: unknown;
  retriable?: unknown;
  cause?: unknown;
  code?: unknown;
}

/** The error and its causes, outermost first; kafkajs wraps the broker's answer in retry errors. */
function causeChain(err: unknown): KafkaLikeError[] {
  const chain: KafkaLikeError[] = [];
  let current: unknown = err;
  while (current !== null && typeof current === 'object' && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current = (current as KafkaLikeError).cause;
  }
  return chain;
}

/** The broker's error type (e.g. MESSAGE_TOO_LARGE) anywhere in the chain, if there is one. */
export function protocolErrorType(err: unknown): string | undefined {
  for (const e of causeChain(err)) if (typeof e.type === 'string') return e.type;
  return undefined;
}

export function classifyKafkaError(err: unknown): KafkaFailureKind {
  if (tlsFailureReason(err) !== undefined) return 'fatal';
  const type = protocolErrorType(err);
  if (type !== undefined) {
    if (RECORD_ERRORS.has(type)) return 'record';
    if (FATAL_ERRORS.has(type)) return 'fatal';
    if (SESSION_ERRORS.has(type)) return 'retriable';
  }
  const chain = causeChain(err);
  if (chain.some((e) => typeof e.name === 'string' && FATAL_NAMES.has(e.name))) return 'fatal';
  if (chain.some((e) => typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name))) return 'retriable';
  if (chain.some((e) => e instanceof EpipeError && e.retriable)) return 'retriable';
  // Any other kafkajs error says itself whether it is worth another try; the innermost knows best.
  const innermost = chain[chain.length - 1];
  if (innermost && typeof innermost.name === 'string' && innermost.name.startsWith('KafkaJS')) {
    return innermost.retriable === false ? 'fatal' : 'retriable';
  }
  const code = innermost?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return 'retriable';
  return 'fatal';
}

const AUTH_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
]);

/**
 * Refused credentials or a failed TLS handshake, in words an operator can act on; undefined for
 * anything else. kafkajs retries a failed handshake as a connection error, then gives up.
 */
export function accessError(err: unknown, what: string): EpipeError | undefined {
  const chain = causeChain(err);
  const broker = chain.map((e) => (e as { broker?: unknown }).broker).find((b) => typeof b === 'string');
  const where = broker && !what.includes(String(broker)) ? ` (broker ${String(broker)})` : '';
  const tls = tlsFailureReason(err);
  if (tls !== undefined)
    return new EpipeError('TLS_FAILED', `kafka${where}: ${what}: TLS handshake failed: ${tls}`, {
      cause: err,
    });
  const type = protocolErrorType(err);
  const sasl = chain.find((e) => e.name === 'KafkaJSSASLAuthenticationError');
  if (sasl !== undefined || (type !== undefined && AUTH_TYPES.has(type))) {
    const detail = errorMessage(sasl ?? err);
    return new EpipeError('AUTH_FAILED', `kafka${where}: ${what}: SASL authentication failed: ${detail}`, {
      cause: err,
    });
  }
  return undefined;
}

export function toSinkError(err: unknown, what: string): EpipeError {
  if (
    err instanceof EpipeError &&
    (err.code === 'SINK_KAFKA' || err.code === 'AUTH_FAILED' || err.code === 'TLS_FAILED')
  )
    return err;
  const access = accessError(err, what);
  if (access !== undefined) return access;
  const kind = classifyKafkaError(err);
  const type = protocolErrorType(err);
  const detail = type ? `${type}: ${errorMessage(err)}` : errorMessage(err);
  return new EpipeError('SINK_KAFKA', `${what}: ${detail}`, { retriable: kind === 'retriable', cause: err });
}
