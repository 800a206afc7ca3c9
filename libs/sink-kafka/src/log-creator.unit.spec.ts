import { createLogger } from '@epipe/core';
import { logLevel } from 'kafkajs';
import { kafkaLogCreator, kafkaLogLevel } from './log-creator';

function capture(level: string): {
  lines: Record<string, unknown>[];
  logger: ReturnType<typeof createLogger>;
} {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    { level },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { lines, logger };
}

const entry = (level: logLevel, message: string) => ({
  namespace: 'Producer',
  level,
  label: logLevel[level],
  log: { timestamp: '2024-01-01T00:00:00.000Z', logger: 'kafkajs', message, broker: '127.0.0.1:9092' },
});

/** What a logger at `level` writes for `entries` logged by kafkajs through a creator made at `at`. */
function logThrough(level: string, at: logLevel, entries: [logLevel, string][]): Record<string, unknown>[] {
  const { lines, logger } = capture(level);
  const log = kafkaLogCreator(logger)(at);
  for (const [entryLevel, message] of entries) log(entry(entryLevel, message));
  return lines;
}

describe('kafkaLogCreator', () => {
  it('keeps retried TLS and SASL failures at debug: the sink reports the outcome once', () => {
    const lines = logThrough('debug', logLevel.INFO, [
      [logLevel.ERROR, 'Connection error: unable to verify the first certificate'],
      [logLevel.ERROR, 'SASL SCRAM SHA512 authentication failed: invalid credentials'],
      [logLevel.WARN, 'Failed to connect to seed broker: Connection error: self-signed certificate'],
      [logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
    ]);
    expect(lines.map((l) => l.level)).toEqual([20, 20, 20, 40]);
  });

  it('forwards one level down, keeps the fields, drops kafkajs bookkeeping', () => {
    const lines = logThrough('trace', logLevel.DEBUG, [
      [logLevel.ERROR, 'Connection error'],
      [logLevel.WARN, 'Something odd'],
      [logLevel.INFO, 'Starting'],
      [logLevel.DEBUG, 'Request Produce'],
    ]);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'Connection error'],
      [40, 'Something odd'],
      [20, 'Starting'],
      [10, 'Request Produce'],
    ]);
    expect(lines[0]).toMatchObject({ kafkajs: 'Producer', broker: '127.0.0.1:9092' });
    expect(lines[0]).not.toHaveProperty('timestamp');
    expect(lines[0]).not.toHaveProperty('logger');
  });

  it('quiets the warning about the bounded retries the sink chose on purpose', () => {
    const { lines, logger } = capture('info');
    kafkaLogCreator(logger)(logLevel.WARN)(
      entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'),
    );
    expect(lines).toEqual([]);
  });

  it('asks kafkajs only for what pino will keep', () => {
    expect(kafkaLogLevel(capture('info').logger)).toBe(logLevel.WARN);
    expect(kafkaLogLevel(capture('debug').logger)).toBe(logLevel.INFO);
    expect(kafkaLogLevel(capture('trace').logger)).toBe(logLevel.DEBUG);
    expect(kafkaLogLevel(capture('silent').logger)).toBe(logLevel.NOTHING);
  });
});
