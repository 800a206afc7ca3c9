/**
 * Where searchable lag goes: the daemon's latency histograms (Prometheus, seconds), read from its
 * /metrics before and after one offered load and subtracted, so each stage's figures cover only
 * that load. Every `epipe_*_seconds` histogram is read, so per-stage histograms added to the
 * daemon show up here without a change; the known ones get a stage name and their place in the
 * order a row travels (epoch wait, enrich, Kafka, bulk, refresh wait, end to end, searchable).
 */
export interface Histogram {
  /** Upper bounds (seconds) and cumulative counts, ascending; the last bound is +Inf. */
  buckets: [number, number][];
  sum: number;
  count: number;
}

export interface StageLatency {
  stage: string;
  /** The histogram and its labels, as /metrics names it. */
  metric: string;
  count: number;
  meanMs: number;
  /** Upper bound of the bucket holding the p50 / p99 observation (a histogram knows no finer). */
  p50Ms: number;
  p99Ms: number;
}

/** Known histograms, in the order a row meets them; the first pattern that matches names the stage. */
export const LAG_STAGES: { stage: string; match: RegExp }[] = [
  { stage: 'epoch wait', match: /^epipe_epoch_wait\w*_seconds/ },
  // Time an epoch was open: a row waits for the rest of its epoch, up to this.
  { stage: 'epoch open', match: /^epipe_epoch_duration_seconds/ },
  { stage: 'enrich', match: /^epipe_enrich\w*_seconds/ },
  { stage: 'Kafka produce', match: /^epipe_sink_batch_seconds\{sink="kafka"\}|^epipe_kafka\w*_seconds/ },
  {
    stage: 'Elasticsearch bulk',
    match: /^epipe_sink_batch_seconds\{sink="elasticsearch"\}|^epipe_\w*bulk\w*_seconds/,
  },
  // Sampled by the daemon's probe: the search sink's ack until a search finds the document.
  { stage: 'refresh wait', match: /^epipe_search_refresh_wait_seconds|^epipe_\w*refresh\w*_seconds/ },
  { stage: 'commit → every sink acknowledged', match: /^epipe_lag_seconds/ },
  { stage: 'commit → searchable', match: /^epipe_\w*searchable\w*_seconds/ },
];

/** The stages a searchable row passes one after the other; their means add up to about its lag. */
export const SEARCHABLE_PARTS = ['epoch wait', 'enrich', 'Elasticsearch bulk', 'refresh wait'] as const;

/**
 * The means of the searchable parts and their sum, beside the sampled commit → searchable mean:
 * what the sum leaves out is waiting in line (a batch behind the one before it in a stage).
 */
export function searchableParts(
  stages: readonly StageLatency[],
): { parts: { stage: string; meanMs: number }[]; sumMs: number; searchableMeanMs: number | null } | null {
  const parts = SEARCHABLE_PARTS.map((stage) => ({
    stage,
    meanMs: stages.find((s) => s.stage === stage)?.meanMs,
  }));
  if (parts.some((p) => p.meanMs === undefined)) return null;
  const known = parts as { stage: string; meanMs: number }[];
  const searchable = stages.find((s) => s.stage === 'commit → searchable');
  return {
    parts: known,
    sumMs: known.reduce((sum, p) => sum + p.meanMs, 0),
    searchableMeanMs: searchable?.meanMs ?? null,
  };
}

function parseLabels(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out.set(m[1]!, m[2]!);
  return out;
}

/** The histograms of a parsed /metrics (`name{labels}` → value), keyed by name and labels without `le`. */
export function histograms(metrics: ReadonlyMap<string, number>): Map<string, Histogram> {
  const out = new Map<string, Histogram>();
  const get = (key: string): Histogram => {
    let h = out.get(key);
    if (!h) out.set(key, (h = { buckets: [], sum: 0, count: 0 }));
    return h;
  };
  for (const [series, value] of metrics) {
    const m = /^(epipe_\w+_seconds)_(bucket|sum|count)(?:\{(.*)\})?$/.exec(series);
    // The runtime's own (GC pauses, event loop): not a stage a row passes through.
    if (!m || /^epipe_(nodejs|process)_/.test(m[1]!)) continue;
    const labels = parseLabels(m[3] ?? '');
    const le = labels.get('le');
    labels.delete('le');
    const rest = [...labels].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`);
    const h = get(rest.length ? `${m[1]}{${rest.join(',')}}` : m[1]!);
    if (m[2] === 'sum') h.sum = value;
    else if (m[2] === 'count') h.count = value;
    else if (le !== undefined) h.buckets.push([le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), value]);
  }
  for (const h of out.values()) h.buckets.sort((a, b) => a[0] - b[0]);
  return out;
}

/** after - before, bucket by bucket: the observations made in between. */
export function subtract(after: Histogram, before: Histogram | undefined): Histogram {
  const prior = new Map(before?.buckets ?? []);
  return {
    buckets: after.buckets.map(([le, n]) => [le, n - (prior.get(le) ?? 0)]),
    sum: after.sum - (before?.sum ?? 0),
    count: after.count - (before?.count ?? 0),
  };
}

/** The upper bound of the bucket that holds the p-th percentile observation. */
export function bucketPercentile(h: Histogram, p: number): number {
  if (h.count <= 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * h.count);
  for (const [le, n] of h.buckets) if (n >= rank) return le;
  return Number.POSITIVE_INFINITY;
}

function stageOf(metric: string): { stage: string; order: number } {
  const i = LAG_STAGES.findIndex((s) => s.match.test(metric));
  return i < 0 ? { stage: metric, order: LAG_STAGES.length } : { stage: LAG_STAGES[i]!.stage, order: i };
}

/** Per stage, the latencies observed between two scrapes; known stages first, in a row's order. */
export function stageLatencies(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): StageLatency[] {
  const a = histograms(before);
  const out: (StageLatency & { order: number })[] = [];
  for (const [metric, h] of histograms(after)) {
    const d = subtract(h, a.get(metric));
    if (d.count <= 0) continue;
    const { stage, order } = stageOf(metric);
    const ms = (s: number): number => (Number.isFinite(s) ? Math.round(s * 1000) : s);
    out.push({
      stage,
      metric,
      order,
      count: d.count,
      meanMs: ms(d.sum / d.count),
      p50Ms: ms(bucketPercentile(d, 50)),
      p99Ms: ms(bucketPercentile(d, 99)),
    });
  }
  return out
    .sort((x, y) => x.order - y.order || x.metric.localeCompare(y.metric))
    .map(({ order: _order, ...s }) => s);
}
