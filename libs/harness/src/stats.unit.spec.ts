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
