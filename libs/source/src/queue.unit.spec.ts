import type { TransactionChunk } from './chunk';
import { ChunkQueue } from './queue';

/** The id rides in a poison row, so order can be checked without a real row. */
function chunk(id: number, bytes: number): TransactionChunk {
  return { rows: [], poison: [{ logId: id, raw: {}, reason: '' }], final: true, origin: 'binlog', bytes };
}

const idOf = (c: TransactionChunk | undefined) => c?.poison[0]?.logId;

function setup(maxBytes: number) {
  const flow: string[] = [];
  const queue = new ChunkQueue(maxBytes, {
    pause: () => flow.push('pause'),
    resume: () => flow.push('resume'),
  });
  return { queue, flow, signal: new AbortController().signal };
}

describe('ChunkQueue', () => {
  it('hands chunks out in order and waits for the next push', async () => {
    const { queue, signal } = setup(1000);
    queue.push(chunk(1, 10));
    expect(idOf(await queue.take(signal))).toBe(1);
    const waiting = queue.take(signal);
    queue.push(chunk(2, 10));
    expect(idOf(await waiting)).toBe(2);
  });

  it('pauses above the bound, keeps what arrives anyway, and resumes below half of it', async () => {
    const { queue, flow, signal } = setup(100);
    for (let i = 1; i <= 5; i++) queue.push(chunk(i, 30));
    expect(flow).toEqual(['pause']);
    expect(queue.bytes).toBe(150);
    const seen = [];
    seen.push(await queue.take(signal)); // 120 held
    seen.push(await queue.take(signal)); // 90
    expect(flow).toEqual(['pause']);
    seen.push(await queue.take(signal)); // 60
    expect(flow).toEqual(['pause']);
    seen.push(await queue.take(signal)); // 30
    expect(flow).toEqual(['pause', 'resume']);
    seen.push(await queue.take(signal));
    expect(seen.map((c) => idOf(c))).toEqual([1, 2, 3, 4, 5]);
    expect(queue.bytes).toBe(0);
  });

  it('never loses or reorders chunks over many pause/resume cycles', async () => {
    const signal = new AbortController().signal;
    let paused = false;
    let mostHeld = 0;
    let pauses = 0;
    const paced = new ChunkQueue(50, {
      pause: () => {
        paused = true;
        pauses++;
      },
      resume: () => (paused = false),
    });
    let next = 0;
    const produce = () => {
      while (!paused && next < 2000) {
        paced.push(chunk(next++, 1 + (next % 23)));
        mostHeld = Math.max(mostHeld, paced.bytes);
      }
      if (next >= 2000) paced.end();
    };
    produce();
    const got: number[] = [];
    for (;;) {
      const c = await paced.take(signal);
      if (!c) break;
      got.push(idOf(c)!);
      if (!paused) produce();
    }
    expect(got).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(pauses).toBeGreaterThan(10);
    // A producer that obeys pause overshoots by at most the chunk that crossed the bound.
    expect(mostHeld).toBeLessThanOrEqual(50 + 23);
    expect(paced.length).toBe(0);
  });

  it('reports a failure on the next take, before buffered chunks, and keeps the first failure', async () => {
    const { queue, signal } = setup(1000);
    queue.push(chunk(1, 1));
    queue.fail(new Error('first'));
    queue.fail(new Error('second'));
    queue.push(chunk(2, 1));
    await expect(queue.take(signal)).rejects.toThrow('first');
  });

  it('wakes a waiting take on failure', async () => {
    const { queue, signal } = setup(1000);
    const waiting = queue.take(signal);
    queue.fail(new Error('lost'));
    await expect(waiting).rejects.toThrow('lost');
  });

  it('returns undefined when the signal aborts, even while waiting', async () => {
    const { queue } = setup(1000);
    const controller = new AbortController();
    const waiting = queue.take(controller.signal);
    controller.abort();
    expect(await waiting).toBeUndefined();
    queue.push(chunk(1, 1));
    expect(await queue.take(controller.signal)).toBeUndefined();
  });

  it('ends after the buffered chunks when ended on purpose', async () => {
    const { queue, signal } = setup(1000);
    queue.push(chunk(1, 1));
    queue.end();
    expect(idOf(await queue.take(signal))).toBe(1);
    expect(await queue.take(signal)).toBeUndefined();
  });
});
