import { createMetrics, silentLogger } from '@epipe/core';
import type { InodeChange } from '@epipe/sink-elastic';
import { SearchableProbe, type SearchVisibility } from './searchable-probe';

const upsert = (inodeId: number, logicalTime: number, commitTsMs: number): InodeChange =>
  ({ kind: 'upsert', doc: { inodeId, logicalTime, lastCommitTsMs: commitTsMs } }) as InodeChange;

/** An index that shows each document after `hiddenPolls` searches for it; records every search. */
function index(hiddenPolls: number) {
  const searches: [number, number][] = [];
  let hang: Promise<void> | null = null;
  const fake: SearchVisibility & { searches: typeof searches; hangUntil(p: Promise<void>): void } = {
    searches,
    hangUntil: (p) => {
      hang = p;
    },
    async searchable(inodeId, version) {
      searches.push([inodeId, version]);
      if (hang) await hang;
      return searches.filter(([id]) => id === inodeId).length > hiddenPolls;
    },
  };
  return fake;
}

const count = async (h: { get(): Promise<{ values: { metricName?: string; value: number }[] }> }) =>
  (await h.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;

describe('SearchableProbe', () => {
  it('searches for the newest acknowledged document at its version until found, and observes both waits', async () => {
    const metrics = createMetrics();
    const es = index(3);
    const probe = new SearchableProbe(es, metrics, silentLogger(), {
      everyMs: 0,
      pollMs: 1,
      giveUpMs: 60_000,
    });
    const commit = Date.now() - 5_000;
    probe.acknowledged([
      upsert(7, 3, commit),
      { kind: 'delete', inodeId: 8, logicalTime: 4 },
      upsert(9, 5, commit),
      { kind: 'delete', inodeId: 10, logicalTime: 6 },
    ]);
    await probe.idle();
    expect(es.searches).toEqual([
      [9, 5],
      [9, 5],
      [9, 5],
      [9, 5],
    ]);
    expect(await count(metrics.searchableLag)).toBe(1);
    expect(await count(metrics.searchRefreshWait)).toBe(1);
    const lag = (await metrics.searchableLag.get()).values.find((v) => v.metricName?.endsWith('_sum'))!;
    expect(lag.value).toBeGreaterThanOrEqual(5);
  });

  it('samples at most one document per interval and one at a time, without waiting for it', async () => {
    const metrics = createMetrics();
    const es = index(0);
    let release: () => void = () => undefined;
    es.hangUntil(new Promise<void>((r) => (release = r)));
    const probe = new SearchableProbe(es, metrics, silentLogger(), {
      everyMs: 0,
      pollMs: 1,
      giveUpMs: 60_000,
    });
    for (let i = 1; i <= 5; i++) probe.acknowledged([upsert(i, i, Date.now())]); // returns at once
    expect(es.searches).toEqual([[1, 1]]);
    release();
    await probe.idle();
    expect(await count(metrics.searchableLag)).toBe(1);

    const spaced = new SearchableProbe(index(0), metrics, silentLogger(), {
      everyMs: 60_000,
      pollMs: 1,
      giveUpMs: 60_000,
    });
    spaced.acknowledged([upsert(1, 1, Date.now())]);
    await spaced.idle();
    spaced.acknowledged([upsert(2, 2, Date.now())]); // within the interval: not sampled
    await spaced.idle();
    expect(await count(metrics.searchableLag)).toBe(2);
  });

  it('stops polling when stopped, and takes no samples after', async () => {
    const metrics = createMetrics();
    const es = index(Number.POSITIVE_INFINITY); // never found
    const probe = new SearchableProbe(es, metrics, silentLogger(), {
      everyMs: 0,
      pollMs: 1,
      giveUpMs: 60_000,
    });
    probe.acknowledged([upsert(1, 1, Date.now())]);
    while (es.searches.length < 3) await new Promise((r) => setImmediate(r));
    probe.stop();
    await probe.idle();
    const searched = es.searches.length;
    probe.acknowledged([upsert(2, 2, Date.now())]);
    await probe.idle();
    expect(es.searches.length).toBe(searched);
    expect(await count(metrics.searchableLag)).toBe(0);
  });

  it('gives up on a document never found, and survives a failing search', async () => {
    const metrics = createMetrics();
    const never = index(Number.POSITIVE_INFINITY);
    const probe = new SearchableProbe(never, metrics, silentLogger(), {
      everyMs: 0,
      pollMs: 1,
      giveUpMs: 20,
    });
    probe.acknowledged([upsert(1, 1, Date.now())]);
    await probe.idle();
    expect(never.searches.length).toBeGreaterThan(1);

    const failing = new SearchableProbe(
      { searchable: () => Promise.reject(new Error('cluster gone')) },
      metrics,
      silentLogger(),
      { everyMs: 0, pollMs: 1, giveUpMs: 60_000 },
    );
    failing.acknowledged([upsert(1, 1, Date.now())]);
    await failing.idle();
    expect(await count(metrics.searchableLag)).toBe(0);
  });
});
