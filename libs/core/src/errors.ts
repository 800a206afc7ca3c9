/**
 * One error hierarchy for every stage. Each error carries a stable code, whether retrying the
 * same call can help, and its cause, so the outer restart loop and the retry helper can decide
 * without string matching.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'SERVER_MISCONFIGURED'
  | 'SOURCE_CONNECTION'
  | 'POISON_ROW'
  | 'SINK_KAFKA'
  | 'SINK_ELASTIC'
  | 'ACK_FAILED'
  | 'ACK_REFUSED'
  | 'SOURCE_MISSED_ROWS'
  | 'INVALID_OPERATION'
  | 'NOT_LEADER'
  | 'SHUTDOWN'
  | 'TIMEOUT'
  /** Credentials refused (wrong password, unknown API key, missing client certificate). */
  | 'AUTH_FAILED'
  /** The TLS handshake failed: untrusted or mismatched certificate, unreadable key or CA file. */
  | 'TLS_FAILED';

export class EpipeError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EpipeError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Marks a bug: an invariant of epipe itself was broken. Never retried. */
export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function isRetriable(err: unknown): boolean {
  if (err instanceof AssertionError) return false;
  if (err instanceof EpipeError) return err.retriable;
  // Network-level failures from any client are worth another try.
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRIABLE_NODE_CODES.has(code);
}

const RETRIABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
]);

/**
 * Failures no restart can fix: the daemon reports them once and exits, so that the operator (or
 * Kubernetes' CrashLoopBackOff) sees them instead of an endless retry loop.
 */
export const OPERATOR_ERRORS: ReadonlySet<ErrorCode> = new Set(['AUTH_FAILED', 'TLS_FAILED']);

export function needsOperator(err: unknown): err is EpipeError {
  return err instanceof EpipeError && OPERATOR_ERRORS.has(err.code);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
