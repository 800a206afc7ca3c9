/**
 * Whether a drain slows down as it goes: the rate over an early tenth of the rows against the
 * rate over a late tenth, from the cumulative count of rows deleted over time. A pipeline whose
 * cost per row grows with what it has seen (caches that grow, an LRU that reorders on every hit)
 * drains its late rows slower than its early ones.
 *
 * The tenths are the second (10–20% of the rows) and the ninth (80–90%), not the very first and
 * last: before its first acknowledgement the pipeline fills (recovery scan, first epoch, first
 * sink calls), and after the sinks have everything the batches in flight are deleted one after
 * the other within moments. Both are latency, not a rate that could fall with the backlog; in
 * the quick run's drains they made the last tenth look 3–20× faster than the first.
 */
export interface Flatness {
  /** Rows/s while the second tenth of the rows was deleted (10% to 20%). */
  firstTenthPerSec: number;
  /** Rows/s while the ninth tenth was deleted (80% to 90%). */
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
 * Early and late tenth of a drain of `rows` rows (see Flatness). Acknowledgements come in batches
 * (up to 5,000 rows), so on a small backlog a tenth is a batch or two and the figure is coarse;
 * on the full run's 1M rows a tenth is 20 batches or more.
 */
export function flatness(cumulative: readonly [number, number][], rows: number): Flatness {
  const tenth = rows * 0.1;
  const rate = (from: number, to: number): number => {
    const [a, b] = [timeAt(cumulative, from), timeAt(cumulative, to)];
    return b > a ? (to - from) / (b - a) : Number.NaN;
  };
  const first = rate(tenth, 2 * tenth);
  const last = rate(8 * tenth, 9 * tenth);
  return {
    firstTenthPerSec: Math.round(first),
    lastTenthPerSec: Math.round(last),
    ratio: Math.round((last / first) * 1000) / 1000,
  };
}
