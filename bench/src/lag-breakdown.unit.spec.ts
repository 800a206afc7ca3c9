import { parseMetrics } from './daemon';
import { bucketPercentile, histograms, searchableParts, stageLatencies } from './lag-breakdown';

const scrape = (kafka: number[], epoch: number[], extra = ''): Map<string, number> => {
  const lines = (name: string, labels: string, counts: number[], sum: number): string[] => {
    const bounds = ['0.01', '0.1', '1', '+Inf'];
    const sep = labels ? ',' : '';
    return [
      ...bounds.map((le, i) => `${name}_bucket{le="${le}"${sep}${labels}} ${counts[i]}`),
      `${name}_sum${labels ? `{${labels}}` : ''} ${sum}`,
      `${name}_count${labels ? `{${labels}}` : ''} ${counts[3]}`,
    ];
  };
  return parseMetrics(
    [
      ...lines('epipe_sink_batch_seconds', 'sink="kafka"', kafka, kafka[3]! * 0.05),
      ...lines('epipe_epoch_duration_seconds', '', epoch, epoch[3]! * 0.05),
      'nodejs_gc_duration_seconds_bucket{le="1",kind="major"} 4',
      'epipe_nodejs_gc_duration_seconds_bucket{le="1",kind="major"} 4',
      'epipe_nodejs_gc_duration_seconds_count{kind="major"} 4',
      extra,
    ].join('\n'),
  );
};

describe('searchable lag breakdown from the daemon histograms', () => {
  it('reads histograms by name and labels, without the bucket bound', () => {
    const h = histograms(scrape([1, 5, 10, 10], [0, 0, 0, 0]));
    expect([...h.keys()].sort()).toEqual([
      'epipe_epoch_duration_seconds',
      'epipe_sink_batch_seconds{sink="kafka"}',
    ]);
    const kafka = h.get('epipe_sink_batch_seconds{sink="kafka"}')!;
    expect(kafka.count).toBe(10);
    expect(bucketPercentile(kafka, 50)).toBe(0.1);
    expect(bucketPercentile(kafka, 10)).toBe(0.01);
  });

  it('covers only the observations between two scrapes, in the order a row meets the stages', () => {
    const before = scrape([1, 5, 10, 10], [10, 10, 10, 10]);
    // Between the scrapes: 10 Kafka batches, all in (0.1, 1]; 20 epochs under 10 ms.
    const after = scrape([1, 5, 20, 20], [30, 30, 30, 30]);
    const stages = stageLatencies(before, after);
    expect(stages.map((s) => s.stage)).toEqual(['epoch open', 'Kafka produce']);
    const kafka = stages[1]!;
    expect(kafka).toMatchObject({ count: 10, p50Ms: 1000, p99Ms: 1000, meanMs: 50 });
  });

  it('takes in histograms the daemon adds later, named by the pattern of their stage', () => {
    const added = [
      'epipe_enrich_batch_seconds_bucket{le="+Inf"} 3',
      'epipe_enrich_batch_seconds_sum 0.3',
      'epipe_enrich_batch_seconds_count 3',
      'epipe_other_seconds_bucket{le="+Inf"} 1',
      'epipe_other_seconds_sum 1',
      'epipe_other_seconds_count 1',
    ].join('\n');
    const stages = stageLatencies(new Map(), scrape([0, 0, 0, 0], [0, 0, 0, 0], added));
    expect(stages.map((s) => s.stage)).toEqual(['enrich', 'epipe_other_seconds']);
    expect(stages[0]!.meanMs).toBe(100);
  });

  it("names the daemon's lag breakdown stages in a row's order and adds up the searchable parts", () => {
    const one = (name: string, labels: string, sum: number): string => {
      const l = labels ? `{${labels}}` : '';
      return [
        `${name}_bucket{le="+Inf"${labels ? `,${labels}` : ''}} 1`,
        `${name}_sum${l} ${sum}`,
        `${name}_count${l} 1`,
      ].join('\n');
    };
    const added = [
      one('epipe_searchable_lag_seconds', '', 0.9),
      one('epipe_search_refresh_wait_seconds', '', 0.3),
      one('epipe_sink_batch_seconds', 'sink="elasticsearch"', 0.2),
      one('epipe_enrich_batch_seconds', '', 0.1),
      one('epipe_epoch_wait_seconds', '', 0.05),
    ].join('\n');
    const stages = stageLatencies(new Map(), scrape([0, 0, 0, 0], [0, 0, 0, 0], added));
    expect(stages.map((s) => s.stage)).toEqual([
      'epoch wait',
      'enrich',
      'Elasticsearch bulk',
      'refresh wait',
      'commit → searchable',
    ]);
    expect(searchableParts(stages)).toEqual({
      parts: [
        { stage: 'epoch wait', meanMs: 50 },
        { stage: 'enrich', meanMs: 100 },
        { stage: 'Elasticsearch bulk', meanMs: 200 },
        { stage: 'refresh wait', meanMs: 300 },
      ],
      sumMs: 650,
      searchableMeanMs: 900,
    });
    expect(searchableParts(stages.filter((s) => s.stage !== 'enrich'))).toBeNull();
  });
});
