/**
 * Repeated measurements: a machine shared by others drifts, so every ceiling and drain is measured
 * several times, interleaved, and the report gives the median and the spread (min–max) of each.
 */
export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
}

/** The median (the mean of the two middle values for an even count), min and max of the finite values. */
export function spread(values: readonly number[]): Spread {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n: 0, median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { n, median, min: sorted[0]!, max: sorted[n - 1]! };
}

/** (max - min) / median: how far apart the repeats were, as a fraction of the median. */
export function relativeSpread(s: Spread): number {
  return s.n > 0 && s.median !== 0 ? (s.max - s.min) / Math.abs(s.median) : Number.NaN;
}

/** a / b from two medians, NaN when either is missing or b is 0. */
export function ratioOfMedians(a: Spread, b: Spread): number {
  return a.n > 0 && b.n > 0 && b.median !== 0 ? a.median / b.median : Number.NaN;
}
