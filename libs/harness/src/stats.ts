/** Percentile by nearest rank over an ascending sample. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface LagSummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): LagSummary {
  const sorted = values.slice().sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/** At most `points` (value, fraction ≤ value) pairs of the empirical CDF, for plots. */
export function cdf(values: readonly number[], points = 100): [number, number][] {
  const sorted = values.slice().sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const out: [number, number][] = [];
  const step = Math.max(1, Math.floor(sorted.length / points));
  for (let i = step - 1; i < sorted.length; i += step)
    out.push([sorted[i]!, round((i + 1) / sorted.length, 4)]);
  if (out.at(-1)?.[1] !== 1) out.push([sorted[sorted.length - 1]!, 1]);
  return out;
}

export function median(values: readonly number[]): number {
  return percentile(
    values.slice().sort((a, b) => a - b),
    50,
  );
}

/** Rounds for JSON: enough digits to read, not so many that the file grows. */
export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
