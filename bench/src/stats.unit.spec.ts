import { downsample } from './results';
import { windowRate } from './report/markdown';
import { cdf, percentile, summarize } from './stats';

describe('percentiles', () => {
  it('uses the nearest rank, whatever the input order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, descending
    const s = summarize(values);
    expect([s.p50, s.p95, s.p99, s.max, s.count]).toEqual([50, 95, 99, 100, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(Number.isNaN(summarize([]).p50)).toBe(true);
  });

  it('gives a CDF that rises to 1 with at most the asked points', () => {
    const points = cdf(
      Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000),
      50,
    );
    expect(points.length).toBeLessThanOrEqual(51);
    expect(points.at(-1)).toEqual([999, 1]);
    for (let i = 1; i < points.length; i++) {
      expect(points[i]![0]).toBeGreaterThanOrEqual(points[i - 1]![0]);
      expect(points[i]![1]).toBeGreaterThan(points[i - 1]![1]);
    }
  });
});

describe('throughput series', () => {
  it('turns a cumulative count into a rate over a sliding window', () => {
    const cumulative: [number, number][] = [
      [0, 0],
      [1, 0],
      [2, 1000],
      [3, 1000],
      [4, 3000],
    ];
    expect(windowRate(cumulative, 2)).toEqual([
      [0, 0],
      [1, 0],
      [2, 500],
      [3, 500],
      [4, 1000],
    ]);
  });

  it('downsamples a cumulative series and keeps its last point', () => {
    const points = Array.from({ length: 1001 }, (_, i) => [i, i * 10] as [number, number]);
    const out = downsample(points, 100);
    expect(out.length).toBeLessThanOrEqual(102);
    expect(out.at(-1)).toEqual([1000, 10000]);
    expect(downsample(points.slice(0, 5), 100)).toHaveLength(5);
  });
});
