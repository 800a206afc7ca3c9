import { errors } from '@elastic/elasticsearch';
import { EpipeError, errorMessage } from '@epipe/core';

/**
 * Whether a failed request may succeed when sent again: connection trouble, timeouts, an
 * overloaded (429) or unavailable (5xx) cluster. A 4xx other than 429 means the request or the
 * credentials are wrong, and sending it again changes nothing.
 */
export function isRetriableElasticError(err: unknown): boolean {
  if (err instanceof EpipeError) return err.retriable;
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

export function toSinkError(err: unknown, what: string): EpipeError {
  if (err instanceof EpipeError && err.code === 'SINK_ELASTIC') return err;
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
