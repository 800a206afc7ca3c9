import type { BenchResults } from '../results';
import { ms, num, table } from './facts';

/**
 * Where searchable lag goes, per offered load: the daemon's latency histograms over that load
 * (epoch, enrich, Kafka, bulk, until searchable, end to end) beside the lag the probe measured.
 * Stages the daemon does not time yet are named, so the gap is visible.
 */
export function lagBreakdown(r: BenchResults): string[] {
  const loads = (r.lag?.loads ?? []).filter((l) => l.stages?.length);
  if (!loads.length) return [];
  const timed = new Set(loads.flatMap((l) => l.stages!.map((s) => s.stage)));
  const missing = ['epoch wait', 'enrich', 'until searchable'].filter((s) => !timed.has(s));
  const out = [
    '## Where searchable lag goes',
    '',
    "The daemon's latency histograms (`/metrics`, every `epipe_*_seconds` histogram), read before and after each load " +
      'and subtracted, so each figure covers that load only; p50/p99 are the upper bounds of the histogram buckets that ' +
      `hold them. Beside them the lag the bench measured (Kafka: every event; searchable: sampled writes; refresh interval ${r.lag!.refreshInterval}).` +
      (missing.length
        ? ` Not timed by this daemon: ${missing.join(', ')} (per-stage histograms are the daemon's to add; they appear here once it exposes them).`
        : ''),
    '',
  ];
  for (const l of loads)
    out.push(
      `**${l.label}** (${num(l.achievedOpsPerSec)} ops/s achieved): Kafka lag p50 ${ms(l.kafka.p50)} / p99 ${ms(l.kafka.p99)}, ` +
        `searchable p50 ${ms(l.search.p50)} / p99 ${ms(l.search.p99)}.`,
      '',
      table(
        ['stage', 'histogram', 'observations', 'mean', 'p50 ≤', 'p99 ≤'],
        l.stages!.map((s) => [
          s.stage,
          `\`${s.metric}\``,
          num(s.count),
          ms(s.meanMs),
          ms(s.p50Ms),
          ms(s.p99Ms),
        ]),
      ),
      '',
    );
  return out;
}
