import {
  changeInodeId,
  changeVersion,
  dedupePerInode,
  planChanges,
  type InodeChange,
  type WriteChange,
} from './changes';
import { docAt } from './fixtures.spec';

const upsert = (inodeId: number, version: number): WriteChange => ({
  kind: 'upsert',
  doc: docAt(inodeId, `/f${inodeId}`, { logicalTime: version }),
});
const del = (inodeId: number, version: number): WriteChange => ({
  kind: 'delete',
  inodeId,
  logicalTime: version,
});
const move = (dirInodeId: number): InodeChange => ({
  kind: 'move',
  dirInodeId,
  oldPath: '/o',
  newPath: '/n',
  newAncestorIds: [1],
});

/** What Elasticsearch ends with when writes with external versions arrive one at a time. */
function applySequentially(
  changes: readonly WriteChange[],
): Map<number, { version: number; change: WriteChange }> {
  const state = new Map<number, { version: number; change: WriteChange }>();
  for (const change of changes) {
    const id = changeInodeId(change);
    const current = state.get(id);
    if (current === undefined || changeVersion(change) > current.version) {
      state.set(id, { version: changeVersion(change), change });
    }
  }
  return state;
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('planChanges', () => {
  it('keeps the moves in order and tells each write how many moves came before it', () => {
    const changes = [upsert(1, 1), del(2, 3), move(10), move(11), upsert(3, 1), move(12)];
    const plan = planChanges(changes);
    expect(plan.moves.map((m) => m.dirInodeId)).toEqual([10, 11, 12]);
    expect(plan.writes.map((w) => [changeInodeId(w.change), w.movesBefore])).toEqual([
      [1, 0],
      [2, 0],
      [3, 2],
    ]);
    expect(planChanges([])).toEqual({ writes: [], moves: [] });
  });

  it('keeps one write per inode across moves: the one Elasticsearch would keep, with its place', () => {
    // Inode 1: the later, higher version after both moves wins. Inode 2: the earlier, higher
    // version wins; the moves after it (both) still apply to it.
    const changes = [upsert(1, 1), upsert(2, 5), move(10), upsert(1, 2), move(11), upsert(2, 4)];
    expect(planChanges(changes).writes).toEqual([
      { change: changes[1], movesBefore: 0 },
      { change: changes[3], movesBefore: 1 },
    ]);
  });
});

describe('dedupePerInode', () => {
  it('keeps the later change of an inode, in input order', () => {
    const changes = [upsert(1, 1), upsert(2, 1), upsert(1, 2), del(2, 2)];
    expect(dedupePerInode(changes)).toEqual([changes[2], changes[3]]);
  });

  it('keeps an earlier change with a higher version, as Elasticsearch would', () => {
    const changes = [upsert(1, 5), upsert(1, 3)];
    expect(dedupePerInode(changes)).toEqual([changes[0]]);
  });

  it('keeps the later of two changes with equal versions', () => {
    const changes = [upsert(1, 4), del(1, 4)];
    expect(dedupePerInode(changes)).toEqual([changes[1]]);
  });

  it('ends in the state of a one-by-one application, for shuffled adversarial input', () => {
    for (let round = 0; round < 300; round++) {
      const changes = shuffled(
        Array.from({ length: 1 + Math.floor(Math.random() * 40) }, () => {
          const id = Math.floor(Math.random() * 6);
          const version = Math.floor(Math.random() * 5);
          return Math.random() < 0.3 ? del(id, version) : upsert(id, version);
        }),
      );
      const deduped = dedupePerInode(changes);
      const ids = deduped.map(changeInodeId);
      expect(new Set(ids).size).toBe(ids.length);
      const expected = applySequentially(changes);
      const actual = applySequentially(deduped);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [id, { version }] of expected) expect(actual.get(id)!.version).toBe(version);
      // Order of what is kept is the input order.
      const positions = deduped.map((c) => changes.indexOf(c));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  });
});
