import { ProgressWatch } from './progress';

function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('ProgressWatch', () => {
  it('is never stuck while nothing waits, however long nothing moves', () => {
    const c = clock();
    const watch = new ProgressWatch(10_000, c.now);
    watch.pending(false);
    c.advance(3_600_000);
    expect(watch.stuck()).toBeNull();
    expect(watch.stalledMs()).toBe(0);
  });

  it('is stuck once rows wait longer than the limit without progress', () => {
    const c = clock();
    const watch = new ProgressWatch(10_000, c.now);
    watch.pending(true);
    c.advance(10_000);
    expect(watch.stuck()).toBeNull();
    c.advance(1);
    expect(watch.stuck()).toMatch(/no progress for 10 s while log rows wait/);
  });

  it('counts from when work appeared, not from the last progress long before', () => {
    const c = clock();
    const watch = new ProgressWatch(10_000, c.now);
    watch.progress();
    c.advance(60_000); // idle: nothing waited
    watch.pending(true);
    c.advance(5_000);
    expect(watch.stuck()).toBeNull();
    expect(watch.stalledMs()).toBe(5_000);
  });

  it('progress resets the clock while rows keep waiting (a busy pipeline with a backlog)', () => {
    const c = clock();
    const watch = new ProgressWatch(10_000, c.now);
    watch.pending(true);
    for (let i = 0; i < 100; i++) {
      c.advance(9_000);
      watch.progress();
      watch.pending(true);
      expect(watch.stuck()).toBeNull();
    }
  });

  it('a drained table clears a stall, and new work starts a fresh one', () => {
    const c = clock();
    const watch = new ProgressWatch(10_000, c.now);
    watch.pending(true);
    c.advance(20_000);
    expect(watch.stuck()).not.toBeNull();
    watch.pending(false);
    expect(watch.stuck()).toBeNull();
    watch.pending(true);
    c.advance(2_000);
    expect(watch.stalledMs()).toBe(2_000);
  });

  it('repeated reports of pending work do not move the start of the stall', () => {
    const c = clock();
    const watch = new ProgressWatch(10_000, c.now);
    for (let i = 0; i < 12; i++) {
      watch.pending(true);
      c.advance(1_000);
    }
    expect(watch.stuck()).toMatch(/12 s/);
  });
});
