import { getEventListeners } from 'node:events';
import { EpipeError } from './errors';
import { backoffDelay, retry, sleep } from './retry';

const transient = (): EpipeError => new EpipeError('SINK_KAFKA', 'broker down', { retriable: true });

describe('retry', () => {
  it('retries a retriable failure until the call succeeds, telling each retry', async () => {
    const retries: number[] = [];
    let calls = 0;
    const value = await retry(
      (attempt) => {
        calls++;
        return attempt < 3 ? Promise.reject(transient()) : Promise.resolve(`ok after ${attempt}`);
      },
      { attempts: 5, minDelayMs: 1, maxDelayMs: 2, onRetry: (_err, attempt) => retries.push(attempt) },
    );
    expect(value).toBe('ok after 3');
    expect(calls).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    const failing = (): Promise<never> => {
      calls++;
      return Promise.reject(transient());
    };
    await expect(retry(failing, { attempts: 3, minDelayMs: 1, maxDelayMs: 1 })).rejects.toThrow(
      'broker down',
    );
    expect(calls).toBe(3);
  });

  it('does not retry what is not retriable: a bug, a plain error, a non-retriable code', async () => {
    for (const err of [new EpipeError('CONFIG_INVALID', 'bad'), new Error('plain')]) {
      let calls = 0;
      const failing = (): Promise<never> => {
        calls++;
        return Promise.reject(err);
      };
      await expect(retry(failing, { attempts: 5, minDelayMs: 1, maxDelayMs: 1 })).rejects.toBe(err);
      expect(calls).toBe(1);
    }
  });

  it('retries network errors of any client by their code, and asks a custom predicate first', async () => {
    let calls = 0;
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await retry(() => (++calls < 2 ? Promise.reject(reset) : Promise.resolve()), {
      minDelayMs: 1,
      maxDelayMs: 1,
    });
    expect(calls).toBe(2);
    calls = 0;
    await expect(
      retry(() => (calls++, Promise.reject(reset)), { minDelayMs: 1, maxDelayMs: 1, retriable: () => false }),
    ).rejects.toBe(reset);
    expect(calls).toBe(1);
  });

  it('stops waiting when the signal aborts, with the abort reason', async () => {
    const controller = new AbortController();
    let calls = 0;
    const running = retry(() => (calls++, Promise.reject(transient())), {
      attempts: Number.POSITIVE_INFINITY,
      minDelayMs: 60_000,
      maxDelayMs: 60_000,
      signal: controller.signal,
    });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new EpipeError('SHUTDOWN', 'stopping'));
    await expect(running).rejects.toThrow('stopping');
    expect(calls).toBe(1);
  });
});

describe('backoffDelay', () => {
  it('stays between the minimum and a ceiling that doubles per attempt up to the maximum', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(1_000, 10 * 2 ** (attempt - 1));
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(attempt, 10, 1_000);
        expect(delay).toBeGreaterThanOrEqual(10);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('is jittered, so clients restarting together do not retry in lockstep', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(8, 10, 10_000)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('sleep', () => {
  it('rejects at once when the signal is already aborted, and leaves no listener behind', async () => {
    const stopped = new AbortController();
    stopped.abort(new Error('stopped'));
    await expect(sleep(60_000, stopped.signal)).rejects.toThrow('stopped');
    const bare = new AbortController();
    bare.abort('bye');
    await expect(sleep(60_000, bare.signal)).rejects.toThrow('"bye"');
    const controller = new AbortController();
    await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
