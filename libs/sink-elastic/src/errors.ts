import { errors } from '@elastic/elasticsearch';
import { EpipeError, errorMessage, retry, tlsFailureReason, type Logger } from '@epipe/core';

/**
 * Whether a failed request may succeed when sent again: connection trouble, timeouts, an
 * overloaded (429) or unavailable (5xx) cluster. A 4xx other than 429 means the request or the
 * credentials are wrong, and sending it again changes nothing.
 */
export function isRetriableElasticError(err: unknown): boolean {
  if (err instanceof EpipeError) return err.retriable;
  if (tlsFailureReason(err) !== undefined) return false;
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode;
    return status === undefined || status === 408 || status === 429 || status >= 500;
  }
  return (
    err instanceof errors.ConnectionError ||
    err instanceof errors.TimeoutError ||
    err instanceof errors.NoLivingConnectionsError
  );
}

/** The server's own words for a refused request: its error type and reason, not just "400". */
export function describeElasticError(err: unknown): string {
  if (err instanceof errors.ResponseError) {
    const body = err.body as { error?: { type?: string; reason?: string } | string } | undefined;
    const error = body?.error;
    if (typeof error === 'string') return `${err.statusCode}: ${error}`;
    if (error?.type) return `${err.statusCode} ${error.type}: ${error.reason ?? ''}`;
    return `status ${err.statusCode}`;
  }
  return errorMessage(err);
}

/**
 * Refused credentials (401), missing privileges (403) or a failed TLS handshake, in words an
 * operator can act on; undefined for anything else.
 */
export function accessError(err: unknown, what: string): EpipeError | undefined {
  const tls = tlsFailureReason(err);
  if (tls !== undefined)
    return new EpipeError('TLS_FAILED', `elasticsearch: ${what}: TLS handshake failed: ${tls}`, {
      cause: err,
    });
  const status = responseStatus(err);
  if (status === 401)
    return new EpipeError(
      'AUTH_FAILED',
      `elasticsearch: ${what}: credentials refused (${describeElasticError(err)}); check the API key or user and password`,
      { cause: err },
    );
  if (status === 403)
    return new EpipeError(
      'AUTH_FAILED',
      `elasticsearch: ${what}: not allowed (${describeElasticError(err)}); the API key or user lacks a privilege`,
      { cause: err },
    );
  return undefined;
}

const REQUEST_RETRY_MIN_MS = 100;
const REQUEST_RETRY_MAX_MS = 5_000;

/**
 * Sends a request, retrying whole-request failures with backoff (`maxRetries` more attempts,
 * each retry logged when a logger is given). An aborted call throws the abort's reason; any
 * other failure an EpipeError that says what was being done.
 */
export async function requestWithRetry<T>(
  what: string,
  send: (signal?: AbortSignal) => Promise<T>,
  options: { maxRetries: number; logger?: Logger },
  signal?: AbortSignal,
): Promise<T> {
  const { logger } = options;
  try {
    return await retry(() => send(signal), {
      attempts: options.maxRetries + 1,
      minDelayMs: REQUEST_RETRY_MIN_MS,
      maxDelayMs: REQUEST_RETRY_MAX_MS,
      retriable: isRetriableElasticError,
      ...(signal ? { signal } : {}),
      ...(logger
        ? {
            onRetry: (err: unknown, attempt: number, delayMs: number) =>
              logger.warn(
                { err: toSinkError(err, what).message, attempt, delayMs },
                `${what} failed; retrying`,
              ),
          }
        : {}),
    });
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    throw toSinkError(err, what);
  }
}

export function toSinkError(err: unknown, what: string): EpipeError {
  if (err instanceof EpipeError && ['SINK_ELASTIC', 'AUTH_FAILED', 'TLS_FAILED'].includes(err.code))
    return err;
  const access = accessError(err, what);
  if (access !== undefined) return access;
  return new EpipeError('SINK_ELASTIC', `${what}: ${describeElasticError(err)}`, {
    retriable: isRetriableElasticError(err),
    cause: err,
  });
}

/** The status of a refused request, when the server answered. */
export function responseStatus(err: unknown): number | undefined {
  return err instanceof errors.ResponseError ? err.statusCode : undefined;
}

export function responseErrorType(err: unknown): string | undefined {
  if (!(err instanceof errors.ResponseError)) return undefined;
  const error = (err.body as { error?: { type?: string } } | undefined)?.error;
  return typeof error === 'object' ? error.type : undefined;
}
