import { freePort, sleepMs } from './support/child-daemon';
import { createFiles, prepareBulkTarget } from './support/bulk';
import { liveHeapBytes } from './support/heap';
import { FaultScenario } from './support/scenario';

/** `make test-soak` sets EPIPE_SOAK=1: a million rows instead of a hundred thousand. */
const ROWS = Number(process.env.EPIPE_FAULT_ROWS ?? (process.env.EPIPE_SOAK === '1' ? 1_000_000 : 100_000));
const KiB = 1024;
const MiB = 1024 * KiB;

const CACHE_BYTES = 2 * MiB;

/**
 * What bounds the daemon's memory, the same for both sizes: the in-flight byte budget and the
 * buffers before it, and the enrichment caches' byte budget (all small here, so that even the
 * smaller input fills them; otherwise the test would only show that less input needs less
 * memory), and V8's heap limit, as a container's memory limit sets it in production (without
 * one V8 grows its heap lazily with the length of the run, which says nothing about what the
 * daemon holds). EPIPE_FAULT_MEMORY_ENV (JSON) overrides any of them.
 */
const DAEMON_ENV: Record<string, string> = {
  NODE_OPTIONS: '--max-old-space-size=192',
  EPIPE_MAX_INFLIGHT_BYTES: String(1024 * KiB),
  EPIPE_SOURCE_QUEUE_BYTES: String(1024 * KiB),
  EPIPE_CHUNK_MAX_BYTES: String(256 * KiB),
  EPIPE_BATCH_BYTES: String(512 * KiB),
  EPIPE_BATCH_ROWS: '5000',
  EPIPE_EPOCH_BYTES: String(512 * KiB),
  EPIPE_SCAN_PAGE_ROWS: '1000',
  EPIPE_CACHE_BYTES: String(CACHE_BYTES),
  ...(JSON.parse(process.env.EPIPE_FAULT_MEMORY_ENV ?? '{}') as Record<string, string>),
};

/**
 * Room between two runs: a short run ends before V8 has grown its heap towards the limit, a long
 * one does not. Growth with the input (a few KB per row in flight) is far above it at ten times
 * the rows, and beyond the heap limit the daemon would die, which fails the run outright.
 */
const SLACK = (small: number): number => small * 1.25 + 32 * MiB;

interface Run {
  rows: number;
  peakRssBytes: number;
  processingS: number;
  /** V8 heap in use after a full collection once the work is done: what the daemon holds. */
  heapIdleBytes: number;
  /** The enrichment caches' own estimate of what they hold. */
  cacheBytes: number;
  problems: string[];
  losses: number;
}

/**
 * One fresh daemon process working through `rows` CREATEs, either as one transaction committed
 * while it tails the binlog, or as a backlog committed while it was stopped (recovery scan).
 */
async function run(kind: 'transaction' | 'backlog', rows: number): Promise<Run> {
  const inspectPort = await freePort();
  const s = await FaultScenario.create(`fault_mem_${kind.slice(0, 3)}`, {
    daemonEnv: {
      ...DAEMON_ENV,
      NODE_OPTIONS: `${DAEMON_ENV.NODE_OPTIONS} --inspect=127.0.0.1:${inspectPort}`,
    },
  });
  try {
    const target = await prepareBulkTarget(s.nameNode, s.pool, 'mem');
    let started: number;
    if (kind === 'transaction') {
      await s.daemon.startReady();
      await createFiles(s.pool, target, rows, rows);
      started = Date.now();
    } else {
      await createFiles(s.pool, target, rows, 5_000);
      started = Date.now();
      s.daemon.start();
    }
    await s.quiesce(Math.max(180_000, rows * 3));
    const processingS = Math.round((Date.now() - started) / 100) / 10;
    const peakRssBytes = s.daemon.peakRssBytes;
    const cacheBytes = await s.daemon.metric('epipe_enrich_cache_bytes');
    const heapIdleBytes = await liveHeapBytes(inspectPort);
    const { report, problems } = await s.check(
      kind === 'transaction'
        ? `one transaction of ${rows} rows`
        : `backlog of ${rows} rows written while stopped`,
    );
    process.stdout.write(
      `[fault report]   daemon worked ${processingS} s from commit/start to an empty log table; live heap ${(heapIdleBytes / MiB).toFixed(1)} MiB, caches ${(cacheBytes / MiB).toFixed(2)} MiB\n`,
    );
    return { rows, peakRssBytes, processingS, heapIdleBytes, cacheBytes, problems, losses: report.losses };
  } finally {
    await s.close();
  }
}

describe('fault: memory does not grow with the input', () => {
  it.each(['transaction', 'backlog'] as const)(
    `%s: the peak RSS for ${ROWS} rows is not above that for ${ROWS / 10}`,
    async (kind) => {
      const small = await run(kind, ROWS / 10);
      await sleepMs(1_000);
      const big = await run(kind, ROWS);
      process.stdout.write(
        `[fault report]   ${kind}: peak RSS ${(small.peakRssBytes / MiB).toFixed(1)} MiB for ${small.rows} rows, ` +
          `${(big.peakRssBytes / MiB).toFixed(1)} MiB for ${big.rows} rows; idle heap ` +
          `${(small.heapIdleBytes / MiB).toFixed(1)} vs ${(big.heapIdleBytes / MiB).toFixed(1)} MiB after a full GC\n`,
      );
      expect(small.problems).toEqual([]);
      expect(big.problems).toEqual([]);
      expect(small.losses + big.losses).toBe(0);
      expect(small.peakRssBytes).toBeGreaterThan(0);
      expect(big.peakRssBytes).toBeLessThanOrEqual(SLACK(small.peakRssBytes));
      // The caches filled their budget on both runs, and never passed it.
      expect(big.cacheBytes).toBeGreaterThan(0);
      expect(big.cacheBytes).toBeLessThanOrEqual(CACHE_BYTES + 16 * KiB);
      // What the daemon still holds after the work: anything kept per row shows here first.
      expect(small.heapIdleBytes).toBeGreaterThan(0);
      expect(big.heapIdleBytes).toBeLessThanOrEqual(small.heapIdleBytes + 8 * MiB);
    },
    3_600_000,
  );
});
