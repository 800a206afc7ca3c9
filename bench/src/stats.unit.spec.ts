import { downsample } from './results';
import { windowRate } from './report/markdown';

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
