import type { OperationName, ProvenanceEvent } from '@epipe/core';
import { createCoalescer } from './coalescer';
import { app, FakeTree, fileEvent, resetLogIds, shuffled } from './fixtures.spec';
import type { ProvenanceInput } from './mapping';

/**
 * Random workloads over several artifacts, apps and users, fed in random batch sizes with a
 * clock that sometimes idles, publishing closed events late and in random order. Whatever
 * happens: every artifact row lands in exactly one event, and a batch is released only when
 * no unpublished event holds a row of it or of any earlier batch.
 */
const ROOTS = [
  '/Projects/p/p_featurestore.db/fg_1',
  '/Projects/p/p_Training_Datasets/td_1',
  '/Projects/p/Models/m/1',
  '/Projects/p/Resources',
  '/Projects/q/Experiments/application_1',
];
const OPS: OperationName[] = [
  'ACCESS',
  'ACCESS',
  'ACCESS',
  'APPEND',
  'CREATE',
  'XATTR_ADD',
  'PERMISSION',
  'TRUNCATE',
];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('coalescer: random workloads', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'seed %i: every row in exactly one event; release never passes a held row',
    (seed) => {
      resetLogIds();
      const rand = rng(seed);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
      const clock = { now: 1_700_000_000_000 };
      const tree = new FakeTree();
      const c = createCoalescer({
        source: 'testdb',
        windowMs: 5_000,
        graceMs: 1_000,
        maxDeferredRows: 300,
        maxOpenMs: 20_000,
        now: () => clock.now,
        rootIdOf: tree.resolver,
      });
      const rowBatch = new Map<number, number>(); // log id -> batch
      const artifactRows = new Set<number>();
      const emitted: ProvenanceEvent[] = [];
      const unpublished: ProvenanceEvent[] = [];
      const released: number[] = [];
      let batch = 0;
      const publishSome = (all: boolean) => {
        const order = shuffled(unpublished, Math.floor(rand() * 1e9));
        const n = all ? order.length : Math.floor(rand() * (order.length + 1));
        const done = order.slice(0, n);
        c.published(done.map((e) => e.eventId));
        for (const e of done) unpublished.splice(unpublished.indexOf(e), 1);
      };
      const checkRelease = () => {
        const first = c.firstHeldBatch();
        // The oldest unpublished row's batch bounds what may go.
        let oldestHeld = Infinity;
        for (const e of unpublished)
          for (const id of e.logIds) oldestHeld = Math.min(oldestHeld, rowBatch.get(id)!);
        for (const id of c.heldLogIds()) oldestHeld = Math.min(oldestHeld, rowBatch.get(id)!);
        if (first === null) expect(oldestHeld).toBe(Infinity);
        else expect(first).toBe(oldestHeld);
        for (
          let b = (released[released.length - 1] ?? 0) + 1;
          b <= batch && (first === null || b < first);
          b++
        )
          released.push(b);
      };
      for (let step = 0; step < 150; step++) {
        const size = Math.floor(rand() * 40);
        const events: ProvenanceInput[] = [];
        batch++;
        for (let i = 0; i < size; i++) {
          const root = pick(ROOTS);
          const op = pick(OPS);
          const outside = rand() < 0.1;
          const e = fileEvent(op, outside ? '/tmp/x' : `${root}/f${Math.floor(rand() * 5)}`, {
            app: rand() < 0.2 ? null : app(pick(['a1', 'a2', 'a3'])),
            user: { id: pick([1, 2]), name: null },
            xattrName: op === 'XATTR_ADD' ? 'k' : null,
            // commit times mostly near now, sometimes late
            commitTsMs: clock.now - (rand() < 0.05 ? 60_000 : Math.floor(rand() * 500)),
          });
          rowBatch.set(e.logId, batch);
          if (!outside) artifactRows.add(e.logId);
          events.push(e);
        }
        const out = c.add(batch, events, size + Math.floor(rand() * 10));
        emitted.push(...out);
        unpublished.push(...out);
        clock.now += rand() < 0.1 ? 8_000 : Math.floor(rand() * 400);
        const ticked = c.tick();
        emitted.push(...ticked);
        unpublished.push(...ticked);
        publishSome(false);
        checkRelease();
      }
      const flushed = c.flush();
      emitted.push(...flushed);
      unpublished.push(...flushed);
      publishSome(true);
      checkRelease();
      expect(c.firstHeldBatch()).toBeNull();
      expect(released).toEqual(Array.from({ length: batch }, (_, i) => i + 1));
      const seen = emitted.flatMap((e) => e.logIds);
      expect(seen.length).toBe(new Set(seen).size);
      expect(new Set(seen)).toEqual(artifactRows);
      expect(emitted.every((e) => e.count === e.logIds.length)).toBe(true);
      expect(new Set(emitted.map((e) => e.eventId)).size).toBe(emitted.length);
      const s = c.stats();
      expect(
        s.closedByTime + s.closedByIdle + s.closedByAge + s.closedByPressure + s.closedByFlush,
      ).toBeGreaterThan(0);
    },
  );
});
