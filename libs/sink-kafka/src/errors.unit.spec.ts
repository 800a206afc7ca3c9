import { EpipeError } from '@epipe/core';
import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { classifyKafkaError, protocolErrorType, toSinkError } from './errors';

// kafkajs' typings declare no constructor argument; at runtime it takes the message.
const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;

/** What kafkajs' retrier throws when it gives up on a non-retriable error: the broker's error as cause. */
function wrapped(raw: Error): Error {
  return Object.assign(new KafkaJSNonRetriableError(raw), { cause: raw });
}

/** A broker error the way kafkajs builds it from a response's error code. */
function protocol(type: string, retriable: boolean): KafkaJSProtocolError {
  return new KafkaJSProtocolError({ message: `broker said ${type}`, type, code: 1, retriable } as never);
}

describe('classifyKafkaError', () => {
  it.each([
    ['MESSAGE_TOO_LARGE', false],
    ['RECORD_LIST_TOO_LARGE', false],
    ['INVALID_RECORD', false],
  ])('treats %s as a refusal of the records, however kafkajs wrapped it', (type, retriable) => {
    const raw = protocol(type, retriable);
    expect(classifyKafkaError(raw)).toBe('record');
    expect(classifyKafkaError(wrapped(raw))).toBe('record');
    expect(protocolErrorType(wrapped(raw))).toBe(type);
  });

  it.each([
    ['NOT_LEADER_FOR_PARTITION', true],
    ['LEADER_NOT_AVAILABLE', true],
    ['NOT_ENOUGH_REPLICAS', true],
    ['REQUEST_TIMED_OUT', true],
    ['OUT_OF_ORDER_SEQUENCE_NUMBER', false],
    ['UNKNOWN_PRODUCER_ID', false],
  ])('treats %s as retriable', (type, retriable) => {
    expect(classifyKafkaError(protocol(type, retriable))).toBe('retriable');
  });

  it('treats connection errors, timeouts and exhausted retries as retriable', () => {
    const conn = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9');
    expect(classifyKafkaError(conn)).toBe('retriable');
    expect(classifyKafkaError(new KafkaJSRequestTimeoutError('Request Produce timed out'))).toBe('retriable');
    expect(
      classifyKafkaError(new KafkaJSNumberOfRetriesExceeded(conn, { retryCount: 5, retryTime: 100 })),
    ).toBe('retriable');
  });

  it('treats authorization and authentication failures as fatal', () => {
    expect(classifyKafkaError(protocol('TOPIC_AUTHORIZATION_FAILED', false))).toBe('fatal');
    expect(classifyKafkaError(new SaslError('SASL PLAIN authentication failed'))).toBe('fatal');
  });

  it('treats bugs as fatal and bare socket errors as retriable', () => {
    expect(classifyKafkaError(new TypeError('x is not a function'))).toBe('fatal');
    expect(classifyKafkaError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe('retriable');
  });
});

describe('toSinkError', () => {
  it('keeps the cause and names the broker error', () => {
    const raw = protocol('NOT_LEADER_FOR_PARTITION', true);
    const err = toSinkError(raw, 'producing to t');
    expect(err).toBeInstanceOf(EpipeError);
    expect(err.code).toBe('SINK_KAFKA');
    expect(err.retriable).toBe(true);
    expect(err.cause).toBe(raw);
    expect(err.message).toBe(
      'producing to t: NOT_LEADER_FOR_PARTITION: broker said NOT_LEADER_FOR_PARTITION',
    );
  });
});

describe('access failures', () => {
  it('names refused SASL credentials and the broker, and does not retry them', () => {
    const err = toSinkError(
      wrapped(new SaslError('SASL SCRAM SHA512 authentication failed: invalid credentials')),
      'starting the kafka sink',
    );
    expect(err).toMatchObject({ code: 'AUTH_FAILED', retriable: false });
    expect(err.message).toMatch(
      /^kafka: starting the kafka sink: SASL authentication failed: .*invalid credentials/,
    );
  });

  it('names an untrusted broker certificate, after kafkajs gave up retrying it', () => {
    const tls = new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', {
      broker: '127.0.0.1:9094',
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    const err = toSinkError(
      new KafkaJSNumberOfRetriesExceeded(tls, { retryCount: 5, retryTime: 100 }),
      'starting the kafka sink',
    );
    expect(err).toMatchObject({ code: 'TLS_FAILED', retriable: false });
    expect(err.message).toMatch(
      /^kafka \(broker 127\.0\.0\.1:9094\): starting the kafka sink: TLS handshake failed: .*not trusted/,
    );
    expect(classifyKafkaError(tls)).toBe('fatal');
  });
});
