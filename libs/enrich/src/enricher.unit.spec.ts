import type { Batch, LogRow } from '@epipe/core';
import { createFilter, DEFAULT_FILTER_CONFIG, parseTagRule } from '@epipe/filter';
import type { EnrichConfig } from './config';
import { Enricher } from './enricher';
import type { MemoryMetadataReader } from './memory-reader';
import type { MetadataReader } from './reader';
import { batch, row, world } from './testing/fixtures';
import { executionContext } from '../../core/src/testing/provenance';

const config: EnrichConfig = {
  sourceName: 'meta',
  cacheMaxBytes: 1024 * 1024,
  maxXattrBytes: 100,
  orphanWaitMs: 2_000,
};

describe('Enricher', () => {
  it('computes paths at the time of each operation, in commit order, and state docs at the end', async () => {
    const db = world();
    // Current database state: dir 10 was renamed from "old" to "new" and holds file 11.
    db.addInode({ inodeId: 10, parentId: 4, name: 'new', isDir: true, logicalTime: 2 });
    db.addInode({ inodeId: 11, parentId: 10, name: 'f', size: 42, logicalTime: 1 });
    const enricher = new Enricher(config, db);
    const result = await enricher.enrich(
      batch([
        row('CREATE', 10, 4, 'old', { isDir: true }),
        row('CREATE', 11, 10, 'f'),
        row('RENAME', 10, 4, 'new', { isDir: true, logicalTime: 2 }),
      ]),
    );
    expect(result.events.map((e) => [e.operation, e.path, e.oldPath])).toEqual([
      ['CREATE', '/Projects/p/data/old', null],
      ['CREATE', '/Projects/p/data/old/f', null],
      ['RENAME', '/Projects/p/data/new', '/Projects/p/data/old'],
    ]);
    expect(result.moves).toEqual([
      {
        dirInodeId: 10,
        epoch: 7,
        oldPath: '/Projects/p/data/old',
        newPath: '/Projects/p/data/new',
        newAncestorIds: [1, 2, 3, 4, 10],
      },
    ]);
    const docs = new Map(result.docs.map((d) => [d.state.inodeId, d]));
    expect(docs.get(11)!.path).toBe('/Projects/p/data/new/f');
    expect(docs.get(11)!.ancestorIds).toEqual([1, 2, 3, 4, 10]);
    expect(docs.get(11)!.state.size).toBe(42);
    expect(result.events.map((e) => e.seq)).toEqual([0, 1, 2]);
  });

  it('gives each kept event its ancestors at the time of the row, and a move its old ones', async () => {
    const db = world();
    db.addInode({ inodeId: 12, parentId: 3, name: 'other', isDir: true });
    db.addInode({ inodeId: 10, parentId: 12, name: 'd', isDir: true, logicalTime: 2 });
    db.addInode({ inodeId: 11, parentId: 10, name: 'f' });
    const enricher = new Enricher(config, db);
    const create = row('CREATE', 10, 4, 'd', { isDir: true });
    const read = row('ACCESS', 11, 10, 'f');
    const move = row('RENAME', 10, 12, 'd', { isDir: true, logicalTime: 2 });
    const result = await enricher.enrich(batch([create, read, move]));
    expect(result.ancestors?.get(create.logId)).toEqual({ ancestorIds: [1, 2, 3, 4], oldAncestorIds: null });
    expect(result.ancestors?.get(read.logId)).toEqual({
      ancestorIds: [1, 2, 3, 4, 10],
      oldAncestorIds: null,
    });
    expect(result.ancestors?.get(move.logId)).toEqual({
      ancestorIds: [1, 2, 3, 12],
      oldAncestorIds: [1, 2, 3, 4],
    });
  });

  it('still sends a directory move when a restart replays the rename with a cold cache', async () => {
    const db = world();
    // The rename committed before this process started: the database already shows the new name,
    // and the rename's row was never acknowledged.
    db.addInode({ inodeId: 10, parentId: 4, name: 'new', isDir: true, logicalTime: 2 });
    const enricher = new Enricher(config, db);
    const result = await enricher.enrich(
      batch([row('RENAME', 10, 4, 'new', { isDir: true, logicalTime: 2 })]),
    );
    expect(result.events.map((e) => [e.path, e.oldPath])).toEqual([['/Projects/p/data/new', null]]);
    expect(result.moves).toEqual([
      {
        dirInodeId: 10,
        epoch: 7,
        oldPath: null,
        newPath: '/Projects/p/data/new',
        newAncestorIds: [1, 2, 3, 4, 10],
      },
    ]);
  });

  it('numbers events across the parts of one epoch', async () => {
    const db = world();
    db.addInode({ inodeId: 20, parentId: 4, name: 'a' });
    db.addInode({ inodeId: 21, parentId: 4, name: 'b' });
    const enricher = new Enricher(config, db);
    const first = await enricher.enrich({ ...batch([row('CREATE', 20, 4, 'a')]), last: false });
    const second = await enricher.enrich(batch([row('CREATE', 21, 4, 'b')], 1));
    expect([first.events[0]!.seq, second.events[0]!.seq]).toEqual([0, 1]);
  });

  it('resolves ancestors deleted later from their pending log rows', async () => {
    const db = world();
    // Directory 30 and its file 31 are gone from the namespace; their DELETE rows are pending.
    db.logged.set(30, { inodeId: 30, parentId: 4, name: 'gone', isDir: true, deletePending: true });
    db.logged.set(31, { inodeId: 31, parentId: 30, name: 'f', isDir: false, deletePending: true });
    const result = await new Enricher(config, db).enrich(
      batch([row('APPEND', 31, 30, 'f', { logicalTime: 2 })]),
    );
    expect(result.events[0]!.path).toBe('/Projects/p/data/gone/f');
    expect(result.dead).toEqual([]); // the inode is gone but its DELETE is pending: not poison
    expect(result.docs).toEqual([]);
  });

  it('dead-letters rows of an inode that vanished without a DELETE, and oversized xattrs', async () => {
    const db = world();
    db.addInode({
      inodeId: 40,
      parentId: 4,
      name: 'big',
      logicalTime: 3,
      xattrs: { huge: 'x'.repeat(500), small: 'ok' },
    });
    const result = await new Enricher({ ...config, orphanWaitMs: 2 }, db).enrich(
      batch([
        row('APPEND', 99, 4, 'phantom'),
        row('XATTR_ADD', 40, 4, 'big', { xattrName: 'huge', logicalTime: 2 }),
        row('XATTR_ADD', 40, 4, 'big', { xattrName: 'small', logicalTime: 3 }),
      ]),
    );
    expect(result.dead.map((d) => d.reason)).toEqual([
      expect.stringMatching(
        /^inode 99 no longer exists and no DELETE for it is pending \(read again for \d+ ms, enrich\.orphanWaitMs 2\)$/,
      ),
      'xattr huge of inode 40 is 500 bytes, over the 100-byte limit',
    ]);
    expect(result.events.map((e) => e.xattrName)).toEqual(['small']);
    expect(result.docs[0]!.state.xattrs).toEqual({ small: 'ok' });
  });

  it('reads again a state the binlog event outran (InnoDB commit not yet visible)', async () => {
    const db = world();
    db.addInode({ inodeId: 80, parentId: 4, name: 'new', size: 7 });
    db.addInode({ inodeId: 81, parentId: 4, name: 'grown', size: 1, logicalTime: 1 });
    // The first lookup sees the database as it was just before the transactions committed.
    const lagging = Object.create(db) as MemoryMetadataReader;
    let lookups = 0;
    lagging.states = (ids, max) => {
      lookups++;
      if (lookups > 1) return db.states(ids, max);
      return db
        .states(ids, max)
        .then((states) =>
          states.filter((s) => s.inodeId !== 80).map((s) => ({ ...s, logicalTime: 0, size: 0 })),
        );
    };
    const result = await new Enricher({ ...config, orphanWaitMs: 2 }, lagging).enrich(
      batch([row('CREATE', 80, 4, 'new'), row('APPEND', 81, 4, 'grown', { logicalTime: 1 })]),
    );
    expect(result.dead).toEqual([]);
    expect(result.events.map((e) => e.inodeId)).toEqual([80, 81]);
    expect(result.docs.map((d) => [d.state.inodeId, d.state.size])).toEqual([
      [80, 7],
      [81, 1],
    ]);
    expect(lookups).toBe(2);
  });

  it('fills names and execution context, leaving unknown ones empty instead of failing', async () => {
    const db = world();
    db.addInode({ inodeId: 50, parentId: 4, name: 'f' });
    db.addInode({ inodeId: 51, parentId: 4, name: 'g' });
    const result = await new Enricher(config, db).enrich(
      batch([
        row('CREATE', 50, 4, 'f', { projectId: 5, appId: 'application_1_0001' }),
        row('CREATE', 51, 4, 'g', { projectId: 6, userId: 9, appId: 'application_9_0009' }),
      ]),
    );
    const [known, unknown] = result.events;
    expect(known!.project).toEqual({ id: 5, name: 'p' });
    expect(known!.user).toEqual({ id: 1, name: 'alice' });
    expect(known!.app).toMatchObject({ jobName: 'train', pipelineName: 'daily', pipelineRun: 'r1' });
    // No projects row: the path still names the project.
    expect(unknown!.project).toEqual({ id: 6, name: 'p' });
    expect(unknown!.user).toEqual({ id: 9, name: null });
    // Every field the app's row would give is null, and present.
    expect(unknown!.app).toEqual(executionContext('application_9_0009'));
  });

  it('writes no search document for inodes that were only read, and deletes deleted ones', async () => {
    const db = world();
    db.addInode({ inodeId: 60, parentId: 4, name: 'r', logicalTime: 3 });
    const result = await new Enricher(config, db).enrich(
      batch([row('ACCESS', 60, 4, 'r', { logicalTime: 3 }), row('DELETE', 61, 4, 'x', { logicalTime: 4 })]),
    );
    expect(result.docs).toEqual([]);
    expect(result.deletes).toEqual([{ inodeId: 61, logicalTime: 4 }]);
  });

  it('applies filter rules, including an xattr tag inherited from an ancestor', async () => {
    const db = world();
    db.addInode({ inodeId: 4, parentId: 3, name: 'data', isDir: true, xattrs: { epipe: 'off' } });
    db.addInode({ inodeId: 70, parentId: 4, name: 'quiet' });
    db.addInode({ inodeId: 71, parentId: 3, name: 'loud' });
    const filter = createFilter({
      ...DEFAULT_FILTER_CONFIG,
      tag: { xattr: 'epipe', offValues: ['off'], default: 'on' },
    });
    const result = await new Enricher(config, db, filter).enrich(
      batch([row('CREATE', 70, 4, 'quiet'), row('CREATE', 71, 3, 'loud')]),
    );
    expect(result.events.map((e) => e.path)).toEqual(['/Projects/p/loud']);
    expect(result.filtered).toBe(1);
  });

  it('batches lookups: one query per kind per batch, none for cached ancestors', async () => {
    const db = world();
    const rows: LogRow[] = [];
    for (let i = 0; i < 200; i++) {
      db.addInode({ inodeId: 1000 + i, parentId: 4, name: `f${i}` });
      rows.push(row('CREATE', 1000 + i, 4, `f${i}`, { projectId: 5 }));
    }
    const enricher = new Enricher(config, db);
    await enricher.enrich(batch(rows.slice(0, 100)));
    const before = db.calls;
    await enricher.enrich(batch(rows.slice(100)));
    // Second batch: parents and names are cached; only the states of the new inodes are read.
    expect(db.calls - before).toBeLessThanOrEqual(2);
  });
});

describe('Enricher and filters', () => {
  it('still deletes the document of an inode whose DELETE the operation filter leaves out', async () => {
    const db = world();
    db.logged.set(40, { inodeId: 40, parentId: 4, name: 'gone', isDir: false, deletePending: true });
    const filter = createFilter({ ...DEFAULT_FILTER_CONFIG, operations: ['CREATE'] });
    const result = await new Enricher(config, db, filter).enrich(
      batch([row('DELETE', 40, 4, 'gone', { logicalTime: 3 })]),
    );
    expect(result.events).toEqual([]);
    expect(result.filtered).toBe(1);
    expect(result.deletes).toEqual([{ inodeId: 40, logicalTime: 3 }]);
  });

  it('still moves the documents below a directory moved out of the included subtree', async () => {
    const db = world();
    db.addInode({ inodeId: 50, parentId: 3, name: 'elsewhere', isDir: true });
    db.addInode({ inodeId: 51, parentId: 50, name: 'd', isDir: true, logicalTime: 2 });
    const filter = createFilter({ ...DEFAULT_FILTER_CONFIG, include: ['/Projects/p/data/**'] });
    const enricher = new Enricher(config, db, filter);
    await enricher.enrich(batch([row('CREATE', 51, 4, 'd', { isDir: true })]));
    const result = await enricher.enrich(
      batch([row('RENAME', 51, 50, 'd', { isDir: true, logicalTime: 2 })]),
    );
    expect(result.events).toEqual([]);
    expect(result.moves).toEqual([
      expect.objectContaining({
        dirInodeId: 51,
        oldPath: '/Projects/p/data/d',
        newPath: '/Projects/p/elsewhere/d',
      }),
    ]);
  });
});

describe('Enricher at the filters boundary', () => {
  // /Projects/p/data is covered, /Projects/p/scratch is not; an off tag hides what is below it.
  const scoped = createFilter({
    ...DEFAULT_FILTER_CONFIG,
    include: ['/Projects/**'],
    exclude: ['/Projects/*/scratch/**'],
    operations: ['CREATE', 'RENAME', 'DELETE', 'XATTR_ADD'],
    tags: [parseTagRule('epipe.log=off:off', 0)],
  });
  const withScratch = (): MemoryMetadataReader => {
    const db = world();
    db.addInode({ inodeId: 60, parentId: 3, name: 'scratch', isDir: true });
    return db;
  };

  it('asks for the subtree of a directory moved in, at its place after the batch, once for nested moves', async () => {
    const db = withScratch();
    db.addInode({ inodeId: 61, parentId: 4, name: 'in', isDir: true, logicalTime: 2 });
    db.addInode({ inodeId: 62, parentId: 61, name: 'sub', isDir: true, logicalTime: 2 });
    const result = await new Enricher(config, db, scoped).enrich(
      batch([
        row('RENAME', 61, 4, 'in', { isDir: true, logicalTime: 2 }),
        row('RENAME', 62, 61, 'sub', { isDir: true, logicalTime: 2 }),
      ]),
    );
    expect(result.resyncs).toEqual([
      expect.objectContaining({
        dirInodeId: 61,
        epoch: 7,
        path: '/Projects/p/data/in',
        ancestorIds: [1, 2, 3, 4, 61],
        tags: null,
      }),
    ]);
  });

  it('deletes the document of an inode moved out, and asks for the subtree of a directory tagged off', async () => {
    const db = withScratch();
    db.addInode({ inodeId: 63, parentId: 60, name: 'f', logicalTime: 2 });
    db.addInode({
      inodeId: 64,
      parentId: 4,
      name: 'quiet',
      isDir: true,
      logicalTime: 2,
      xattrs: { 'epipe.log': 'off' },
    });
    const result = await new Enricher(config, db, scoped).enrich(
      batch([
        row('RENAME', 63, 60, 'f', { logicalTime: 2 }),
        row('XATTR_ADD', 64, 4, 'quiet', { isDir: true, logicalTime: 2, xattrName: 'epipe.log' }),
      ]),
    );
    expect(result.events).toEqual([]);
    expect(result.uncovered).toEqual([
      { inodeId: 63, logicalTime: 2 },
      { inodeId: 64, logicalTime: 2 },
    ]);
    expect(result.docs).toEqual([]);
    expect(result.resyncs).toEqual([
      expect.objectContaining({
        dirInodeId: 64,
        path: '/Projects/p/data/quiet',
        tags: { 'epipe.log': 'off' },
      }),
    ]);
  });

  it('keeps the document of a covered inode current through changes the operation rules do not publish', async () => {
    const db = world();
    db.addInode({ inodeId: 65, parentId: 4, name: 'f', size: 10, logicalTime: 2 });
    const result = await new Enricher(config, db, scoped).enrich(
      batch([row('APPEND', 65, 4, 'f', { logicalTime: 2 })]),
    );
    expect(result.events).toEqual([]);
    expect(result.filteredBy).toEqual({ operation: 1 });
    expect(result.docs).toEqual([
      expect.objectContaining({ path: '/Projects/p/data/f', state: expect.objectContaining({ size: 10 }) }),
    ]);
  });

  it('sends no delete for rows that cannot have crossed the boundary', async () => {
    const db = withScratch();
    db.addInode({ inodeId: 66, parentId: 60, name: 'g', logicalTime: 1 });
    const result = await new Enricher(config, db, scoped).enrich(batch([row('CREATE', 66, 60, 'g')]));
    expect(result.uncovered).toEqual([]);
    expect(result.resyncs).toEqual([]);
  });

  it('reads no subtree again when no path or tag rule can leave an inode out', async () => {
    const db = world();
    db.addInode({ inodeId: 67, parentId: 4, name: 'd', isDir: true, logicalTime: 2 });
    const everything = createFilter({ ...DEFAULT_FILTER_CONFIG, operations: ['CREATE'] });
    const result = await new Enricher(config, db, everything).enrich(
      batch([row('RENAME', 67, 4, 'd', { isDir: true, logicalTime: 2 })]),
    );
    expect(result.resyncs).toEqual([]);
    expect(result.moves).toHaveLength(1);
  });

  describe('a directory moved where the old place is known', () => {
    /** An enricher that saw directory 71 created at /Projects/p/data/a (a warm path cache). */
    const seenAt = async (db: MemoryMetadataReader): Promise<Enricher> => {
      db.addInode({ inodeId: 71, parentId: 4, name: 'a', isDir: true, logicalTime: 1 });
      db.addInode({ inodeId: 72, parentId: 71, name: 'f', logicalTime: 1 });
      const enricher = new Enricher(config, db, scoped);
      await enricher.enrich(batch([row('CREATE', 71, 4, 'a', { isDir: true })]));
      return enricher;
    };
    const moveTo = (db: MemoryMetadataReader, parentId: number, name: string) => {
      Object.assign(db.inodes.get(71)!, { parentId, name, logicalTime: 2 });
      return row('RENAME', 71, parentId, name, { isDir: true, logicalTime: 2 });
    };

    it('reads nothing again when it stays inside what the same rules cover', async () => {
      const db = withScratch();
      const enricher = await seenAt(db);
      const result = await enricher.enrich(batch([moveTo(db, 4, 'b')]));
      expect(result.resyncs).toEqual([]);
      expect(result.moves).toEqual([
        expect.objectContaining({ oldPath: '/Projects/p/data/a', newPath: '/Projects/p/data/b' }),
      ]);
    });

    it('reads its subtree again when it moves below an excluded glob', async () => {
      const db = withScratch();
      const enricher = await seenAt(db);
      const result = await enricher.enrich(batch([moveTo(db, 60, 'a')]));
      expect(result.resyncs).toEqual([
        expect.objectContaining({ dirInodeId: 71, path: '/Projects/p/scratch/a' }),
      ]);
    });

    it('reads its subtree again when it moves below another tag', async () => {
      const db = withScratch();
      db.addInode({ inodeId: 73, parentId: 4, name: 'quiet', isDir: true, xattrs: { 'epipe.log': 'off' } });
      const enricher = await seenAt(db);
      const result = await enricher.enrich(batch([moveTo(db, 73, 'a')]));
      expect(result.resyncs).toEqual([
        expect.objectContaining({ dirInodeId: 71, tags: { 'epipe.log': 'off' } }),
      ]);
    });

    it('reads its subtree again when it moves from below a directory read again earlier in the lifetime', async () => {
      // That read may run after this rename committed and miss the directory: the index may
      // still judge what is below it from before, whatever the two places say now.
      const db = withScratch();
      db.addInode({ inodeId: 73, parentId: 4, name: 'quiet', isDir: true, logicalTime: 2 });
      db.addInode({ inodeId: 71, parentId: 73, name: 'a', isDir: true, logicalTime: 1 });
      const inside = async (tagFirst: boolean): Promise<number[] | undefined> => {
        const enricher = new Enricher(config, db, scoped);
        await enricher.enrich(batch([row('CREATE', 71, 73, 'a', { isDir: true })]));
        if (tagFirst)
          await enricher.enrich(
            batch([
              row('XATTR_ADD', 73, 4, 'quiet', { isDir: true, logicalTime: 2, xattrName: 'epipe.log' }),
            ]),
          );
        Object.assign(db.inodes.get(71)!, { name: 'b', logicalTime: 2 });
        const result = await enricher.enrich(
          batch([row('RENAME', 71, 73, 'b', { isDir: true, logicalTime: 2 })]),
        );
        Object.assign(db.inodes.get(71)!, { name: 'a', logicalTime: 1 });
        return result.resyncs?.map((v) => v.dirInodeId);
      };
      expect(await inside(false)).toEqual([]);
      expect(await inside(true)).toEqual([71]);
    });

    it('reads its subtree again when a tag rule changed in the same batch (the tags it inherited before are unknown)', async () => {
      const db = withScratch();
      db.addInode({ inodeId: 74, parentId: 4, name: 'loud', isDir: true, logicalTime: 2 });
      const enricher = await seenAt(db);
      const result = await enricher.enrich(
        batch([
          row('XATTR_ADD', 74, 4, 'loud', { isDir: true, logicalTime: 2, xattrName: 'epipe.log' }),
          moveTo(db, 4, 'b'),
        ]),
      );
      expect(result.resyncs?.map((v) => v.dirInodeId).sort()).toEqual([71, 74]);
    });
  });

  it('reads a subtree with the filter it enriches with', async () => {
    const db = withScratch();
    db.addInode({ inodeId: 68, parentId: 4, name: 'in', isDir: true });
    db.addInode({ inodeId: 69, parentId: 68, name: 'a' });
    db.addInode({ inodeId: 70, parentId: 68, name: 'b', xattrs: { 'epipe.log': 'off' } });
    const pages = [];
    const view = {
      dirInodeId: 68,
      logId: 1,
      epoch: 7,
      path: '/Projects/p/data/in',
      ancestorIds: [1, 2, 3, 4, 68],
      tags: null,
    };
    for await (const page of new Enricher(config, db, scoped).subtree(view)) pages.push(page);
    expect(pages.flatMap((p) => p.covered.map((d) => d.path))).toEqual(['/Projects/p/data/in/a']);
    expect(pages.flatMap((p) => p.uncovered)).toEqual([70]);
  });
});

describe('names the lookups miss', () => {
  it('reads project and dataset names from the path when their rows are gone, and counts what stays unknown', async () => {
    const db = world();
    db.addInode({ inodeId: 60, parentId: 4, name: 'f', logicalTime: 1 });
    const unresolved = new Map<string, number>();
    const metrics = {
      cacheHits: { inc: () => undefined },
      cacheMisses: { inc: () => undefined },
      cacheBytes: { set: () => undefined },
      unresolved: {
        inc: ({ field }: { field: string }, n: number) =>
          unresolved.set(field, (unresolved.get(field) ?? 0) + n),
      },
    };
    // Project 5 is known; dataset 9 and user 77 are not; app x has no execution context.
    const result = await new Enricher(config, db, undefined, metrics).enrich(
      batch([
        row('CREATE', 60, 4, 'f', { projectId: 5, datasetId: 9, userId: 77, appId: 'application_9_0009' }),
      ]),
    );
    const [event] = result.events;
    expect(event!.project).toEqual({ id: 5, name: 'p' });
    expect(event!.dataset).toEqual({ id: 9, name: 'data' });
    expect(event!.user).toEqual({ id: 77, name: null });
    expect(Object.fromEntries(unresolved)).toEqual({ user: 1, app: 1 });
  });
});

describe('Enricher retried after a failed read', () => {
  /** A reader whose `failAt`-th call (counting every method) fails once, as a reset connection would. */
  function failingOnce(
    db: MemoryMetadataReader,
    failAt: number,
  ): { reader: MetadataReader; calls: () => number } {
    let calls = 0;
    const reader = new Proxy(db, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls++;
          if (calls === failAt)
            return Promise.reject(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { reader, calls: () => calls };
  }

  /** /Projects/p/data/{a,b}; D was created in a, got a file F, and moved to b (the current state). */
  function movedWorld(): MemoryMetadataReader {
    const db = world();
    db.addInode({ inodeId: 20, parentId: 4, name: 'a', isDir: true });
    db.addInode({ inodeId: 21, parentId: 4, name: 'b', isDir: true });
    db.addInode({ inodeId: 22, parentId: 21, name: 'D', isDir: true, logicalTime: 2 });
    db.addInode({ inodeId: 23, parentId: 22, name: 'F', logicalTime: 2 });
    db.apps.set('application_1_0002', {
      appId: 'application_1_0002',
      jobName: 'etl',
      jobId: 7,
      jobProject: 'p',
      jobExecutionId: 4,
      pipelineRunId: 2,
      pipelineName: null,
      pipelineRun: null,
    });
    return db;
  }

  /** D made in one batch; a file written in it and D moved in the next, as one transaction would. */
  function batches(): Batch[] {
    return [
      batch([row('CREATE', 22, 20, 'D', { isDir: true })], 0),
      batch(
        [
          row('CREATE', 23, 22, 'F', { appId: 'application_1_0002' }),
          row('RENAME', 22, 21, 'D', { isDir: true, logicalTime: 2 }),
          row('ACCESS', 23, 22, 'F'),
        ],
        1,
      ),
      batch([row('APPEND', 23, 22, 'F', { logicalTime: 2 })], 2),
    ];
  }

  async function runAll(reader: MetadataReader, input: Batch[]): Promise<unknown[]> {
    const enricher = new Enricher(
      config,
      reader,
      createFilter({ ...DEFAULT_FILTER_CONFIG, include: ['/Projects/p/data/a/**'] }),
    );
    const out: unknown[] = [];
    for (const b of input) {
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await enricher.enrich(b);
          out.push({ ...r, events: r.events.map(({ eventId: _id, ...e }) => e) });
          break;
        } catch (err) {
          if (attempt > 0) throw err;
        }
      }
    }
    return out;
  }

  it('gives the same events, documents and moves whichever read fails', async () => {
    const input = batches();
    const clean = failingOnce(movedWorld(), 0);
    const expected = await runAll(clean.reader, input);
    // The clean run's paths: the CREATEs under a (where D was), the RENAME with its old path.
    expect(JSON.stringify(expected)).toContain('/Projects/p/data/a/D/F');
    const reads = clean.calls();
    expect(reads).toBeGreaterThan(4);
    for (let failAt = 1; failAt <= reads; failAt++) {
      const run = failingOnce(movedWorld(), failAt);
      const got = await runAll(run.reader, input);
      expect({ failAt, result: got }).toEqual({ failAt, result: expected });
    }
  });
});
