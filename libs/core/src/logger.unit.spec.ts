import { Writable } from 'node:stream';
import { EpipeError } from './errors';
import { createLogger } from './logger';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('keeps the stack and the cause of an error logged as { err }', async () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info' }, stream);
    const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    logger.error({ err: new EpipeError('SOURCE_CONNECTION', 'binlog stream lost', { cause }) }, 'failed');
    await new Promise((r) => setImmediate(r));
    const err = lines[0]!.err as { message: string; stack: string; code?: string };
    expect(err.message).toContain('binlog stream lost');
    expect(err.stack).toMatch(/EpipeError|Error/);
    // pino's error serializer appends the cause's stack: the root cause survives in the log.
    expect(err.stack).toContain('read ECONNRESET');
  });

  it('redacts secrets', async () => {
    const { lines, stream } = capture();
    createLogger({}, stream).info({ config: { mysql: { password: 'hunter2' } } }, 'starting');
    await new Promise((r) => setImmediate(r));
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
  });
});
