import type { BenchResults } from '../results';
import { SEARCHABLE_PARTS, searchableParts, type StageLatency } from '../lag-breakdown';
import { ms, num, table } from './facts';

/**
 * Where searchable lag goes, per offered load: the daemon's latency histograms over that load
 * (epoch wait, enrich, Kafka, bulk, refresh wait, end to end, searchable) beside the lag the
 * probe measured, and the searchable parts' means added up.
 * Stages the daemon does not time yet are named, so the gap is visible.
 */
export function lagBreakdown(r: BenchResults): string[] {
  const loads = (r.lag?.loads ?? []).filter((l) => l.stages?.length);
  if (!loads.length) return [];
  const timed = new Set(loads.flatMap((l) => l.stages!.map((s) => s.stage)));
  const missing = [...SEARCHABLE_PARTS, 'commit → searchable'].filter((s) => !timed.has(s));
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
      ...partsLine(l.stages!),
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

/** Epoch wait + enrich + bulk + refresh wait, beside the daemon's sampled commit → searchable. */
function partsLine(stages: readonly StageLatency[]): string[] {
  const p = searchableParts(stages);
  if (!p) return [];
  const sum = p.parts.map((x) => `${x.stage} ${ms(x.meanMs)}`).join(' + ');
  const against =
    p.searchableMeanMs === null
      ? ''
      : ` against a sampled commit → searchable mean of ${ms(p.searchableMeanMs)}`;
  return [`Means: ${sum} = ${ms(p.sumMs)}${against} (the rest is batches waiting in line).`, ''];
}
