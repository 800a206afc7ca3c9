import { disturbedInputs, disturbedReasons, verdict } from './conditions';
import { flatness, timeAt } from './flatness';
import { ratioOfMedians, relativeSpread, spread } from './repeats';

describe('median and spread of repeated runs', () => {
  it('gives the median, min and max, whatever the order', () => {
    expect(spread([30, 10, 20])).toEqual({ n: 3, median: 20, min: 10, max: 30 });
    expect(spread([4, 1, 3, 2])).toEqual({ n: 4, median: 2.5, min: 1, max: 4 });
  });

  it('leaves out runs that measured nothing, and says when none did', () => {
    expect(spread([Number.NaN, 5, Number.POSITIVE_INFINITY])).toEqual({ n: 1, median: 5, min: 5, max: 5 });
    expect(spread([]).n).toBe(0);
    expect(spread([]).median).toBeNaN();
  });

  it('computes a ratio from medians, not from one lucky run', () => {
    // One fast outlier in a: the mean ratio would be 1.6, the ratio of medians stays 1.
    const a = spread([100, 100, 400]);
    const b = spread([100, 90, 110]);
    expect(ratioOfMedians(a, b)).toBe(1);
    expect(ratioOfMedians(a, spread([]))).toBeNaN();
    expect(relativeSpread(a)).toBe(3);
  });
});

describe('disturbance marking', () => {
  const quiet = { load: { start: 0.5, max: 1.8, end: 1.2 }, restarted: [] };

  it('marks nothing on a machine below its core count', () => {
    expect(disturbedReasons(quiet, 2)).toEqual([]);
  });

  it('marks a load above the core count, a restart and merges still running', () => {
    expect(disturbedReasons({ ...quiet, load: { start: 1, max: 2.5, end: 1 } }, 2)).toEqual([
      'load average 2.5 > 2 cores',
    ]);
    expect(disturbedReasons({ ...quiet, restarted: ['kafka'] }, 2)).toEqual(['kafka restarted']);
    expect(disturbedReasons({ ...quiet, elastic: { settleMs: 30_000, mergesRunning: 2 } }, 2)).toHaveLength(
      1,
    );
    expect(disturbedReasons({ ...quiet, elastic: { settleMs: 800, mergesRunning: 0 } }, 2)).toEqual([]);
  });

  it('judges other work by the CPU other processes took, not by the load the bench makes itself', () => {
    const busy = { start: 3, max: 6, end: 4 };
    expect(
      disturbedReasons({ ...quiet, load: busy, foreign: { meanCores: 0.05, maxCores: 0.3 } }, 2),
    ).toEqual([]);
    expect(disturbedReasons({ ...quiet, load: busy, foreign: { meanCores: 0.6, maxCores: 1.1 } }, 2)).toEqual(
      ['other processes took 0.60 cores (> 0.25)'],
    );
  });

  it('withholds the verdict when any input was disturbed, and says why once', () => {
    const reasons = disturbedInputs([
      { disturbed: [] },
      { disturbed: ['kafka restarted'] },
      undefined,
      { disturbed: ['kafka restarted'] },
    ]);
    expect(reasons).toEqual(['kafka restarted']);
    expect(verdict(true, reasons)).toBe('disturbed');
    expect(verdict(false, reasons)).toBe('disturbed');
    expect(verdict(true, [])).toBe('met');
    expect(verdict(false, [])).toBe('not met');
    expect(verdict(null, reasons)).toBe('not measured');
  });
});

describe('first and last tenth of a drain', () => {
  it('interpolates the moment a count was reached between two polls', () => {
    expect(
      timeAt(
        [
          [0, 0],
          [1, 100],
          [2, 300],
        ],
        200,
      ),
    ).toBe(1.5);
    expect(
      timeAt(
        [
          [0, 0],
          [1, 100],
        ],
        500,
      ),
    ).toBeNaN();
  });

  it('is 1 for a steady drain and below 1 for one that slows down', () => {
    // 1,000 rows acknowledged 50 at a time, one batch every 0.5 s, the first 4 s after start.
    const steady: [number, number][] = [
      [0, 0],
      ...Array.from({ length: 20 }, (_, i) => [4 + i * 0.5, (i + 1) * 50] as [number, number]),
    ];
    expect(flatness(steady, 1000)).toEqual({ firstTenthPerSec: 100, lastTenthPerSec: 100, ratio: 1 });
    // Rows 800 to 900 take 4 s instead of 1 s; the rest as before.
    const slowing = steady.map(([t, n]): [number, number] => [n > 800 ? t + 3 : t, n]);
    const f = flatness(slowing, 1000);
    expect(f.lastTenthPerSec).toBe(25);
    expect(f.ratio).toBe(0.25);
  });

  it('leaves out the pipeline filling at the start and emptying at the end', () => {
    // Nothing for 8 s, the same steady rate, then the last 100 rows all at once: still flat.
    const edges: [number, number][] = [
      [0, 0],
      [7.9, 0],
      ...Array.from({ length: 18 }, (_, i) => [8 + i * 0.5, (i + 1) * 50] as [number, number]),
      [16.6, 1000],
    ];
    expect(flatness(edges, 1000).ratio).toBe(1);
  });
});
