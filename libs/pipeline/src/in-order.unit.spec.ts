import { InOrder } from './in-order';

describe('InOrder', () => {
  it('runs steps one at a time in the order given, whatever order their inputs are ready in', async () => {
    const stage = new InOrder();
    const ran: string[] = [];
    let readyB!: (v: string) => void;
    const b = new Promise<string>((resolve) => (readyB = resolve));
    const first = stage.run(b, (v) => ran.push(v));
    const second = stage.run(Promise.resolve('c'), (v) => ran.push(v));
    await Promise.resolve();
    expect(ran).toEqual([]);
    readyB('b');
    await Promise.all([first, second, stage.settled]);
    expect(ran).toEqual(['b', 'c']);
  });

  it('fails every later step once one failed', async () => {
    const stage = new InOrder();
    const later = jest.fn();
    const failed = stage.run(Promise.resolve(), () => Promise.reject(new Error('boom')));
    const next = stage.run(Promise.resolve(), later);
    await expect(failed).rejects.toThrow('boom');
    await expect(next).rejects.toThrow('boom');
    await expect(stage.settled).rejects.toThrow('boom');
    expect(later).not.toHaveBeenCalled();
  });
});
