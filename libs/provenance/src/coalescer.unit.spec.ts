import type { ProvenanceEvent } from '@epipe/core';
import { createCoalescer, releasableBatches, type CoalescerOptions } from './coalescer';
import { app, chunks, FakeTree, fileEvent, resetLogIds, shuffled } from './fixtures.spec';
import type { ProvenanceInput } from './mapping';

const TD = '/Projects/p/p_Training_Datasets/td_1';
const FG = '/Projects/p/p_featurestore.db/fg_a_1';
const MODEL = '/Projects/p/Models/fraud/1';
const W = 10_000;
const GRACE = 2_000;
/** A commit time well inside the window [T0, T0 + W). */
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % W);

function setup(options: Partial<CoalescerOptions> = {}, tree = new FakeTree()) {
  const clock = { now: T0 };
  const coalescer = createCoalescer({
    source: 'testdb',
    windowMs: W,
    graceMs: GRACE,
    now: () => clock.now,
    rootIdOf: tree.resolver,
    ...options,
  });
  return { clock, tree, coalescer };
}

function reads(n: number, path: string, appId: string | null, t0 = T0, spanMs = 8_000): ProvenanceInput[] {
  return Array.from({ length: n }, (_, i) =>
    fileEvent('ACCESS', `${path}/part-${i % 50}`, {
      app: appId ? app(appId) : null,
      commitTsMs: t0 + Math.floor((i * spanMs) / n),
    }),
  );
}

beforeEach(() => resetLogIds());

describe('coalescer: windows', () => {
  it('turns 5,000 reads over many batches into one ACCESS, releasing rows only after it is published', () => {
    const { clock, tree, coalescer } = setup();
    const rows = reads(5_000, TD, 'train_fraud');
    const batches = chunks(shuffled(rows, 7), 97);
    const out: ProvenanceEvent[] = [];
    batches.forEach((b, i) => {
      clock.now = T0 + Math.floor((i * 8_000) / batches.length);
      out.push(...coalescer.add(i + 1, b));
      // Nothing closes before the window's end plus grace, and the first batch stays held.
      expect(out).toEqual([]);
      expect(coalescer.firstHeldBatch()).toBe(1);
    });
    expect(coalescer.heldLogIds()).toHaveLength(5_000);
    clock.now = T0 + W + GRACE - 1;
    expect(coalescer.tick()).toEqual([]);
    clock.now = T0 + W + GRACE;
    const [event, ...rest] = coalescer.tick();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      op: 'ACCESS',
      count: 5_000,
      artifact: { id: tree.idOf(TD), kind: 'TRAINING_DATASET', name: 'td', version: 1, project: 'p' },
      app: { appId: 'train_fraud' },
      firstCommitTsMs: T0,
    });
    expect(event!.logIds).toEqual(rows.map((r) => r.logId).sort((a, b) => a - b));
    // Closed but not yet published: every batch still waits.
    expect(coalescer.firstHeldBatch()).toBe(1);
    expect(releasableBatches([1, 2, 3], coalescer.firstHeldBatch())).toEqual([]);
    coalescer.published([event!.eventId]);
    expect(coalescer.firstHeldBatch()).toBeNull();
    expect(coalescer.heldLogIds()).toEqual([]);
    expect(coalescer.stats()).toMatchObject({ closedByIdle: 1, openWindows: 0, heldRows: 0 });
  });

  it('releases batches in order: a later window published first frees nothing before an older one', () => {
    const { clock, coalescer } = setup();
    coalescer.add(1, reads(3, TD, 'y'));
    coalescer.add(2, [...reads(2, TD, 'x'), ...reads(2, FG, 'y')]);
    coalescer.add(3, reads(2, FG, 'x'));
    clock.now = T0 + W + GRACE;
    const events = coalescer.tick();
    expect(events.map((e) => `${e.artifact.name}:${e.app!.appId}:${e.count}`).sort()).toEqual([
      'fg_a:x:2',
      'fg_a:y:2',
      'td:x:2',
      'td:y:3',
    ]);
    const byKey = (name: string, appId: string) =>
      events.find((e) => e.artifact.name === name && e.app!.appId === appId)!.eventId;
    coalescer.published([byKey('fg_a', 'x'), byKey('td', 'x')]);
    expect(coalescer.firstHeldBatch()).toBe(1); // td:y still holds batch 1
    expect(releasableBatches([1, 2, 3], coalescer.firstHeldBatch())).toEqual([]);
    coalescer.published([byKey('td', 'y')]);
    expect(coalescer.firstHeldBatch()).toBe(2); // fg_a:y holds batch 2
    expect(releasableBatches([1, 2, 3], coalescer.firstHeldBatch())).toEqual([1]);
    coalescer.published([byKey('fg_a', 'y')]);
    expect(coalescer.firstHeldBatch()).toBeNull();
    expect(releasableBatches([1, 2, 3], null)).toEqual([1, 2, 3]);
  });

  it('treats a source that only closes empty epochs as idle', () => {
    const { clock, coalescer } = setup();
    coalescer.add(1, reads(10, TD, 'a'));
    let out: ProvenanceEvent[] = [];
    for (let b = 2; out.length === 0 && b < 1_000; b++) {
      clock.now += 50;
      out = [...coalescer.add(b, []), ...coalescer.tick()];
    }
    expect(out.map((e) => e.count)).toEqual([10]);
    expect(clock.now).toBe(T0 + W + GRACE);
    expect(coalescer.stats().closedByIdle).toBe(1);
  });

  it("closes an idle window on the writers' clock when this host's clock is an hour behind", () => {
    const { clock, coalescer } = setup();
    const HOUR = 3_600_000;
    // Rows committed (writers' clock) an hour after this host's clock reads at their arrival.
    coalescer.add(1, reads(10, TD, 'a', T0 + HOUR, 1_000));
    clock.now = T0 + W;
    expect(coalescer.tick()).toEqual([]);
    // Idle for the grace and past the window's end plus grace on the writers' clock (at most one
    // more grace late): closed by idleness, long before maxOpenMs (60 s) would close it by age.
    clock.now = T0 + W + 2 * GRACE;
    expect(coalescer.tick().map((e) => e.count)).toEqual([10]);
    expect(coalescer.stats()).toMatchObject({ closedByIdle: 1, closedByAge: 0 });
  });

  it('closes a window by commit time when later rows pass its end plus grace, while busy', () => {
    const { clock, coalescer } = setup();
    coalescer.add(1, reads(10, TD, 'a'));
    clock.now = T0 + 1_000; // wall clock says busy, not idle
    expect(coalescer.add(2, reads(1, FG, 'a', T0 + W + GRACE - 1, 0))).toEqual([]);
    const closed = coalescer.add(3, reads(1, FG, 'a', T0 + W + GRACE, 0));
    expect(closed.map((e) => [e.artifact.name, e.count])).toEqual([['td', 10]]);
    expect(coalescer.stats().closedByTime).toBe(1);
  });

  it('lets a late row join the oldest open window of its key', () => {
    const { clock, coalescer } = setup();
    coalescer.add(1, reads(2, TD, 'a', T0 + W, 0)); // window [T0+W, T0+2W)
    clock.now = T0 + W;
    coalescer.add(2, reads(1, TD, 'a', T0 - 5 * W, 0)); // its own window is long gone
    clock.now = T0 + 2 * W + GRACE;
    const [event, ...rest] = coalescer.tick();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ count: 3, firstCommitTsMs: T0 - 5 * W });
  });

  it('keys windows by app, or by user when there is no app', () => {
    const { clock, coalescer } = setup();
    coalescer.add(1, [
      ...reads(3, TD, 'a'),
      ...reads(2, TD, 'b'),
      ...reads(4, TD, null),
      fileEvent('ACCESS', `${TD}/f`, { commitTsMs: T0, user: { id: 9, name: 'bob' } }),
    ]);
    clock.now = T0 + W + GRACE;
    const events = coalescer.tick();
    expect(events.map((e) => `${e.app?.appId ?? e.user.name}:${e.count}`).sort()).toEqual([
      'a:3',
      'alice:4',
      'b:2',
      'bob:1',
    ]);
  });

  it('force-closes the oldest window when the deferred rows pass maxDeferredRows', () => {
    const { clock, coalescer } = setup({ maxDeferredRows: 100 });
    const out: ProvenanceEvent[] = [];
    out.push(...coalescer.add(1, reads(30, TD, 'old')));
    out.push(...coalescer.add(2, reads(30, FG, 'new')));
    // Filtered rows count too: their deletion waits behind the held batches.
    out.push(...coalescer.add(3, [], 30));
    expect(out).toEqual([]);
    clock.now = T0 + 1;
    out.push(...coalescer.add(4, reads(20, FG, 'new')));
    expect(out.map((e) => [e.artifact.name, e.count])).toEqual([['td', 30]]);
    expect(coalescer.stats().closedByPressure).toBe(1);
    coalescer.published(out.map((e) => e.eventId));
    expect(coalescer.firstHeldBatch()).toBe(2);
    expect(coalescer.stats().deferredRows).toBe(30 + 30 + 20);
  });

  it('force-closes a window open longer than maxOpenMs even when rows keep it busy', () => {
    const { clock, coalescer } = setup({ windowMs: 3_600_000, maxOpenMs: 30_000 });
    coalescer.add(1, reads(5, TD, 'a'));
    for (let i = 2; i <= 10; i++) {
      clock.now = T0 + i * 3_000;
      const out = coalescer.add(i, reads(1, TD, 'a', T0 + i * 3_000, 0));
      if (i < 10) expect(out).toEqual([]);
      else expect(out.map((e) => e.count)).toEqual([5 + 9]);
    }
    expect(coalescer.stats().closedByAge).toBe(1);
  });

  it('flush closes every open window', () => {
    const { coalescer } = setup();
    coalescer.add(1, [...reads(3, TD, 'a'), ...reads(4, FG, 'b'), ...reads(2, MODEL, 'c')]);
    const events = coalescer.flush();
    expect(events.map((e) => e.count).sort()).toEqual([2, 3, 4]);
    expect(coalescer.stats()).toMatchObject({ openWindows: 0, closedByFlush: 3, unpublishedWindows: 3 });
    coalescer.published(events.map((e) => e.eventId));
    expect(coalescer.firstHeldBatch()).toBeNull();
  });

  it('gives the same event ids on a replay of the same rows in other batches and orders', () => {
    const rows = [...reads(700, TD, 'a'), ...reads(300, FG, 'a'), ...reads(50, TD, null)];
    const tree = new FakeTree(); // the same inode ids in every run, as in the database
    const run = (seed: number, size: number) => {
      const { clock, coalescer } = setup({}, tree);
      chunks(shuffled(rows, seed), size).forEach((b, i) => coalescer.add(i + 1, b));
      clock.now = T0 + W + GRACE;
      return coalescer
        .tick()
        .map((e) => `${e.eventId}:${e.count}`)
        .sort();
    };
    const first = run(1, 64);
    expect(first).toHaveLength(3);
    for (const [seed, size] of [
      [2, 1],
      [3, 1_000],
      [4, 17],
    ] as const)
      expect(run(seed, size)).toEqual(first);
  });

  it('refuses batches out of order', () => {
    const { coalescer } = setup();
    coalescer.add(5, []);
    expect(() => coalescer.add(5, [])).toThrow(/batch 5/);
  });
});

describe('coalescer: the coalescing table', () => {
  function closeAll(options: Partial<CoalescerOptions>, batches: ProvenanceInput[][]) {
    const { coalescer, tree } = setup(options);
    const out: ProvenanceEvent[] = [];
    batches.forEach((b, i) => out.push(...coalescer.add(i + 1, b)));
    out.push(...coalescer.flush());
    return {
      out,
      tree,
      summary: out.map((e) => `${e.op}${e.detail ? `(${e.detail})` : ''} ${e.artifact.path} ${e.count}`),
    };
  }

  it('a root create is CREATE at once; files created, appended or truncated below are one MUTATION', () => {
    const a = app('writer');
    const { summary, out } = closeAll({}, [
      [fileEvent('CREATE', MODEL, { isDir: true, app: a, commitTsMs: T0 })],
      [
        fileEvent('CREATE', `${MODEL}/m.pb`, { app: a, commitTsMs: T0 + 1 }),
        fileEvent('APPEND', `${MODEL}/m.pb`, { app: a, commitTsMs: T0 + 2 }),
        fileEvent('TRUNCATE', `${MODEL}/m.pb`, { app: a, commitTsMs: T0 + 3 }),
      ],
    ]);
    expect(summary).toEqual([`CREATE ${MODEL} 1`, `MUTATION ${MODEL} 3`]);
    expect(out[0]!.artifact.kind).toBe('MODEL');
  });

  it("folds child deletes in the root's delete batch into one DELETE", () => {
    const children = [1, 2, 3].map((i) => fileEvent('DELETE', `${TD}/f${i}`, { commitTsMs: T0 }));
    const root = fileEvent('DELETE', TD, { isDir: true, commitTsMs: T0 });
    const { summary } = closeAll({}, [shuffled([...children, root], 3)]);
    expect(summary).toEqual([`DELETE ${TD} 4`]);
  });

  it('a child delete without its root deleted is a MUTATION', () => {
    const { summary } = closeAll({}, [[fileEvent('DELETE', `${TD}/f1`, { commitTsMs: T0 })]]);
    expect(summary).toEqual([`MUTATION ${TD} 1`]);
  });

  it('xattr and permission changes anywhere in the artifact are METADATA', () => {
    const { summary } = closeAll({}, [
      [
        fileEvent('XATTR_ADD', FG, { xattrName: 'owner', commitTsMs: T0 }),
        fileEvent('XATTR_UPDATE', `${FG}/deep/file`, { xattrName: 'tag', commitTsMs: T0 }),
        fileEvent('PERMISSION', `${FG}/x`, { commitTsMs: T0 }),
      ],
    ]);
    expect(summary).toEqual([`METADATA(permission,xattr:owner,xattr:tag) ${FG} 3`]);
  });

  it('a root rename is METADATA(rename) and keeps the artifact id', () => {
    const tree = new FakeTree();
    const id = tree.idOf(MODEL);
    const moved = '/Projects/p/Models/fraud_old/1';
    const { out } = closeAll({ rootIdOf: tree.resolver }, [
      [fileEvent('RENAME', moved, { inodeId: id, oldPath: MODEL, isDir: true, commitTsMs: T0 })],
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      op: 'METADATA',
      detail: 'rename',
      artifact: { id, path: moved, name: 'fraud_old' },
    });
  });

  it('a file moved between artifacts is a MUTATION of both; within one, of that one', () => {
    const { summary } = closeAll({}, [
      [
        fileEvent('RENAME', `${TD}/f`, { oldPath: `${FG}/f`, commitTsMs: T0 }),
        fileEvent('RENAME', `${TD}/g`, { oldPath: `${TD}/h`, commitTsMs: T0 }),
      ],
    ]);
    expect(summary.sort()).toEqual([`MUTATION ${FG} 1`, `MUTATION ${TD} 2`].sort());
  });

  it('skips rows outside any artifact and rows whose root cannot be resolved', () => {
    const { coalescer } = setup({ rootIdOf: (e, root) => (root.isRoot ? e.inodeId : null) });
    coalescer.add(1, [
      fileEvent('ACCESS', '/Projects/p/Models/fraud/README', { commitTsMs: T0 }),
      fileEvent('ACCESS', `${TD}/f`, { commitTsMs: T0 }),
      fileEvent('ACCESS', '/tmp/x', { commitTsMs: T0, path: null }),
    ]);
    expect(coalescer.flush()).toEqual([]);
    expect(coalescer.stats()).toMatchObject({ skippedNoArtifact: 2, skippedUnresolved: 1, eventsIn: 3 });
    expect(coalescer.firstHeldBatch()).toBeNull();
  });
});
