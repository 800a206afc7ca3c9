import { ProgressWatch } from './progress';

/** A watch with a 10 s limit on a clock that moves only when the test advances it. */
function watchOnClock(): { watch: ProgressWatch; advance(ms: number): void } {
  let t = 1_000_000;
  return { watch: new ProgressWatch(10_000, () => t), advance: (ms) => void (t += ms) };
}

describe('ProgressWatch', () => {
  it('is never stuck while nothing waits, however long nothing moves', () => {
    const { watch, advance } = watchOnClock();
    watch.pending(false);
    advance(3_600_000);
    expect(watch.stuck()).toBeNull();
    expect(watch.stalledMs()).toBe(0);
  });

  it('is stuck once rows wait longer than the limit without progress', () => {
    const { watch, advance } = watchOnClock();
    watch.pending(true);
    advance(10_000);
    expect(watch.stuck()).toBeNull();
    advance(1);
    expect(watch.stuck()).toMatch(/no progress for 10 s while log rows wait/);
  });

  it('counts from when work appeared, not from the last progress long before', () => {
    const { watch, advance } = watchOnClock();
    watch.progress();
    advance(60_000); // idle: nothing waited
    watch.pending(true);
    advance(5_000);
    expect(watch.stuck()).toBeNull();
    expect(watch.stalledMs()).toBe(5_000);
  });

  it('progress resets the clock while rows keep waiting (a busy pipeline with a backlog)', () => {
    const { watch, advance } = watchOnClock();
    watch.pending(true);
    for (let i = 0; i < 100; i++) {
      advance(9_000);
      watch.progress();
      watch.pending(true);
      expect(watch.stuck()).toBeNull();
    }
  });

  it('a drained table clears a stall, and new work starts a fresh one', () => {
    const { watch, advance } = watchOnClock();
    watch.pending(true);
    advance(20_000);
    expect(watch.stuck()).not.toBeNull();
    watch.pending(false);
    expect(watch.stuck()).toBeNull();
    watch.pending(true);
    advance(2_000);
    expect(watch.stalledMs()).toBe(2_000);
  });

  it('repeated reports of pending work do not move the start of the stall', () => {
    const { watch, advance } = watchOnClock();
    for (let i = 0; i < 12; i++) {
      watch.pending(true);
      advance(1_000);
    }
    expect(watch.stuck()).toMatch(/12 s/);
  });
});
