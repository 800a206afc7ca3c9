/**
 * Whether a drain slows down as it goes: the rate over the first 10% of the rows against the rate
 * over the last 10%, from the cumulative count of rows deleted over time. A pipeline whose cost
 * per row grows with what it has seen (caches that grow, an LRU that reorders on every hit)
 * drains its last rows slower than its first.
 */
export interface Flatness {
  /** Rows/s from the first acknowledged batch until 10% of the rows were deleted. */
  firstTenthPerSec: number;
  /** Rows/s from 90% of the rows deleted to all of them. */
  lastTenthPerSec: number;
  /** last / first: 1 is flat, below 1 slows down. */
  ratio: number;
}

/**
 * The moment the cumulative count reached `target`, interpolated between the samples around it
 * (the count is polled every 250 ms; a tenth of a small backlog lasts only a few polls).
 */
export function timeAt(cumulative: readonly [number, number][], target: number): number {
  for (let i = 0; i < cumulative.length; i++) {
    const [t, n] = cumulative[i]!;
    if (n < target) continue;
    if (i === 0) return t;
    const [t0, n0] = cumulative[i - 1]!;
    return n === n0 ? t : t0 + ((target - n0) / (n - n0)) * (t - t0);
  }
  return Number.NaN;
}

/**
 * First and last tenth of a drain of `rows` rows. The first tenth is timed from the first
 * acknowledged batch, not from start: the time the pipeline takes to fill (recovery scan, first
 * epoch, first sink calls) is latency, not a rate that could fall as the backlog is worked
 * through. Acknowledgements come in batches (up to 5,000 rows each), so on a small backlog a
 * tenth is a batch or two and the figure is coarse; on the full run's 1M rows it is 20 or more.
 */
export function flatness(cumulative: readonly [number, number][], rows: number): Flatness {
  const tenth = rows * 0.1;
  const firstAck = cumulative.find(([, n]) => n > 0);
  const t10 = timeAt(cumulative, tenth);
  const t90 = timeAt(cumulative, rows * 0.9);
  const tEnd = timeAt(cumulative, rows);
  const first =
    firstAck && firstAck[1] < tenth && t10 > firstAck[0]
      ? (tenth - firstAck[1]) / (t10 - firstAck[0])
      : Number.NaN;
  const last = tEnd > t90 ? tenth / (tEnd - t90) : Number.NaN;
  return {
    firstTenthPerSec: Math.round(first),
    lastTenthPerSec: Math.round(last),
    ratio: Math.round((last / first) * 1000) / 1000,
  };
}
