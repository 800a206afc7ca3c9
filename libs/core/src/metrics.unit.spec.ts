import { createMetrics, enableProcessMetrics } from './metrics';

async function families(): Promise<{ name: string; type: string }[]> {
  const metrics = createMetrics();
  enableProcessMetrics(metrics, { version: '1.2.3' });
  const text = await metrics.registry.metrics();
  return [...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map(([, name, type]) => ({ name: name!, type: type! }));
}

describe('metrics', () => {
  it('follow Prometheus conventions: one epipe_ prefix, _total counters, base units', async () => {
    const all = await families();
    expect(all.length).toBeGreaterThan(40);
    for (const { name, type } of all) {
      expect(name).toMatch(/^epipe_/);
      expect(name).not.toMatch(/^epipe_process_process_|^epipe_process_nodejs_/);
      expect(name).not.toMatch(/_(ms|milliseconds|millis|kb|mb|minutes)(_|$)/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
    }
  });

  it('counts the time the source is paused, also while a pause still goes on', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const metrics = createMetrics();
      const seconds = async (reason: string): Promise<number> =>
        (await metrics.sourcePausedSeconds.get()).values.find((v) => v.labels.reason === reason)?.value ?? -1;
      metrics.setSourcePaused('inflight_budget', true);
      jest.setSystemTime(1_002_000);
      expect(await seconds('inflight_budget')).toBeCloseTo(2);
      jest.setSystemTime(1_003_500);
      metrics.setSourcePaused('inflight_budget', false);
      expect(await seconds('inflight_budget')).toBeCloseTo(3.5);
      jest.setSystemTime(1_010_000);
      expect(await seconds('inflight_budget')).toBeCloseTo(3.5);
      expect(await seconds('source_queue')).toBe(0);
      expect((await metrics.sourcePaused.get()).values[0]?.value).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports the build and the age of the oldest waiting row at scrape time', async () => {
    const metrics = createMetrics();
    enableProcessMetrics(metrics, { version: '1.2.3' });
    const text = await metrics.registry.metrics();
    expect(text).toContain(`epipe_build_info{version="1.2.3",nodejs="${process.version}"} 1`);
    metrics.setOldestLogRow(Date.now() - 90_000);
    const age = (await metrics.logOldestRowAge.get()).values[0]!.value;
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(95);
    metrics.setOldestLogRow(null);
    expect((await metrics.logOldestRowAge.get()).values[0]!.value).toBe(0);
  });
});
