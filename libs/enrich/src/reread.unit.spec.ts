import type { InodeState } from '@epipe/core';
import type { MetadataReader } from './reader';
import { readCurrentStates, rereadDelays } from './reread';
import { world } from './testing/fixtures';

describe('rereadDelays', () => {
  it('starts short, doubles up to a second, and adds up to the configured wait', () => {
    expect(rereadDelays(1_935)).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 660]);
    expect(rereadDelays(5_000).reduce((a, b) => a + b, 0)).toBe(5_000);
    expect(Math.max(...rereadDelays(60_000))).toBe(1_000);
    expect(rereadDelays(0)).toEqual([]);
  });
});

describe('readCurrentStates (re-reads of commits not yet visible)', () => {
  const config = { orphanWaitMs: 20, maxXattrBytes: 100 };

  /** A reader whose first `lagging` state reads show the inodes as before their newest row. */
  function lagging(reader: MetadataReader, lagging: number): { reader: MetadataReader; reads: () => number } {
    let reads = 0;
    const states = (ids: number[], max: number): Promise<InodeState[]> => {
      reads++;
      return reader
        .states(ids, max)
        .then((found) =>
          reads <= lagging ? found.map((s) => ({ ...s, logicalTime: s.logicalTime - 1 })) : found,
        );
    };
    return { reader: Object.assign(Object.create(reader) as MetadataReader, { states }), reads: () => reads };
  }

  it('reads a state older than its row again until the commit shows', async () => {
    const db = world();
    db.addInode({ inodeId: 30, parentId: 4, name: 'f', logicalTime: 3 });
    const { reader, reads } = lagging(db, 2);
    const read = await readCurrentStates(reader, [30], () => 3, config);
    expect(read.states.map((s) => [s.inodeId, s.logicalTime])).toEqual([[30, 3]]);
    expect(read.orphans.size).toBe(0);
    expect(reads()).toBe(3);
  });

  it('calls an inode that stays gone with no DELETE pending an orphan, after the whole wait', async () => {
    const db = world();
    db.addInode({ inodeId: 31, parentId: 4, name: 'here' });
    const before = db.calls;
    const read = await readCurrentStates(db, [31, 32], () => 1, config);
    expect(read.states.map((s) => s.inodeId)).toEqual([31]);
    expect([...read.orphans]).toEqual([32]);
    // A states() and a pendingDeletes() per attempt: the first read and one after each pause.
    expect(db.calls - before).toBe(2 * (rereadDelays(config.orphanWaitMs).length + 1));
  });

  it('does not wait for a gone inode whose DELETE is pending', async () => {
    const db = world();
    db.logged.set(33, { inodeId: 33, parentId: 4, name: 'gone', isDir: false, deletePending: true });
    const before = db.calls;
    const read = await readCurrentStates(db, [33], () => 1, { ...config, orphanWaitMs: 60_000 });
    expect(read).toMatchObject({ states: [], orphans: new Set() });
    expect(db.calls - before).toBe(2); // one states(), one pendingDeletes()
  });

  it("keeps a state still older than its row after the wait (the document takes the row's version)", async () => {
    const db = world();
    db.addInode({ inodeId: 34, parentId: 4, name: 'f', logicalTime: 1 });
    const read = await readCurrentStates(db, [34], () => 5, config);
    expect(read.states.map((s) => s.logicalTime)).toEqual([1]);
    expect(read.orphans.size).toBe(0);
  });
});
