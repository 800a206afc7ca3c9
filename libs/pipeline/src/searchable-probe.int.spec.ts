import { createMetrics, silentLogger } from '@epipe/core';
import { createElasticSink, type ElasticSink, type InodeChange } from '@epipe/sink-elastic';
import { testEnv, uniqueName } from '../../../test/support/env';
import { SearchableProbe } from './searchable-probe';

jest.setTimeout(120_000);

/**
 * The probe against the real Elasticsearch, through the real sink: it finds a document only once
 * the index refreshed (a search, not a realtime GET), at its version, and observes both waits.
 */
const env = testEnv();
const index = uniqueName('epipe_probe');
const sinks: ElasticSink[] = [];

async function sinkWith(refreshInterval: string): Promise<ElasticSink> {
  const sink = createElasticSink(
    {
      url: env.elasticUrl,
      index,
      requestTimeoutMs: 30_000,
      maxRetries: 3,
      bulkMaxBytes: 1024 * 1024,
      bulkMaxDocs: 100,
      concurrency: 1,
      refreshInterval,
      replicas: 0,
    },
    { logger: silentLogger() },
  );
  sinks.push(sink);
  await sink.start();
  return sink;
}

const es = (path: string, method = 'POST'): Promise<Response> =>
  fetch(`${env.elasticUrl}${path}`, { method });

function upsert(inodeId: number, logicalTime: number, commitTsMs: number): InodeChange {
  return {
    kind: 'upsert',
    doc: {
      inodeId,
      parentId: 1,
      name: `f${inodeId}`,
      path: `/probe/f${inodeId}`,
      ancestorIds: [1, 2],
      isDir: false,
      size: 1,
      owner: null,
      group: null,
      permission: 0o644,
      mtimeMs: commitTsMs,
      logicalTime,
      xattrs: {},
      lastOperation: 'CREATE',
      lastAppId: null,
      lastCommitTsMs: commitTsMs,
    },
  };
}

const observed = async (h: { get(): Promise<{ values: { metricName?: string; value: number }[] }> }) => {
  const values = (await h.get()).values;
  const pick = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0;
  return { count: pick('_count'), sum: pick('_sum') };
};

afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  await es(`/${index}-v1`, 'DELETE');
  await es(`/_index_template/${index}-template`, 'DELETE');
});

describe('SearchableProbe on Elasticsearch', () => {
  it('waits for the refresh that makes the document searchable at its version', async () => {
    // An hour between refreshes: only the explicit refresh below can make the write searchable.
    const sink = await sinkWith('1h');
    const metrics = createMetrics();
    let searches = 0;
    const probe = new SearchableProbe(
      {
        searchable: (id, version, signal) => {
          searches++;
          return sink.searchable(id, version, signal);
        },
      },
      metrics,
      silentLogger(),
      { everyMs: 0, pollMs: 10, giveUpMs: 60_000 },
    );
    const commitTsMs = Date.now();
    const changes = [upsert(501, 3, commitTsMs)];
    expect((await sink.apply(changes)).rejected).toEqual([]);
    probe.acknowledged(changes);
    while (searches < 5) await new Promise((r) => setTimeout(r, 10));
    expect(await sink.searchable(501, 3)).toBe(false); // written, acknowledged, not yet searchable
    expect(await observed(metrics.searchRefreshWait)).toEqual({ count: 0, sum: 0 });

    expect((await es(`/${index}/_refresh`)).ok).toBe(true);
    await probe.idle();
    expect((await observed(metrics.searchRefreshWait)).count).toBe(1);
    expect((await observed(metrics.searchableLag)).count).toBe(1);
    expect(await sink.searchable(501, 3)).toBe(true);
    expect(await sink.searchable(501, 2)).toBe(true); // an older version is covered by the newer
    expect(await sink.searchable(501, 4)).toBe(false);
  });

  it('sees the configured refresh interval do it, after a restart that changed it', async () => {
    const sink = await sinkWith('250ms');
    const metrics = createMetrics();
    const probe = new SearchableProbe(sink, metrics, silentLogger(), {
      everyMs: 0,
      pollMs: 10,
      giveUpMs: 60_000,
    });
    const changes = [upsert(502, 1, Date.now())];
    expect((await sink.apply(changes)).rejected).toEqual([]);
    probe.acknowledged(changes);
    await probe.idle();
    expect((await observed(metrics.searchRefreshWait)).count).toBe(1);
    const lag = await observed(metrics.searchableLag);
    expect(lag.count).toBe(1);
    expect(lag.sum).toBeGreaterThan(0);
  });
});
