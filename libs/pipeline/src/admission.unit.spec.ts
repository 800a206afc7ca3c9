import { getEventListeners } from 'node:events';
import { ByteBudget } from '@epipe/core';
import { admit } from './admission';

describe('admit', () => {
  it('leaves no listener on the signal however many waits it served', async () => {
    const budget = new ByteBudget(10);
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) {
      budget.tryAcquire(10);
      const waiting = admit(budget, 10, controller.signal);
      budget.release(10);
      expect(await waiting).toBe(true);
      budget.release(10);
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('gives up when the signal aborts, and gives back a grant that comes later', async () => {
    const budget = new ByteBudget(10);
    const controller = new AbortController();
    budget.tryAcquire(10);
    const waiting = admit(budget, 8, controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    budget.release(10);
    await new Promise((r) => setImmediate(r));
    expect(budget.inUse).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(await admit(budget, 1, controller.signal)).toBe(false);
  });
});
