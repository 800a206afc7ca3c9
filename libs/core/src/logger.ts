import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'sasl',
  '*.sasl',
  '*.*.sasl',
  'auth',
  '*.auth',
  '*.*.auth',
];

export function createLogger(
  options: { level?: string; name?: string; scrub?: (line: string) => string } = {},
  destination?: pino.DestinationStream,
): Logger {
  const scrub = options.scrub;
  return pino(
    {
      name: options.name ?? 'epipe',
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Paths catch the fields we know; the scrubber catches secret values anywhere else.
      ...(scrub ? { hooks: { streamWrite: scrub } } : {}),
    },
    destination,
  );
}

/** A logger that drops everything, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
