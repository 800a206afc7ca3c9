import type { ArtifactState, LineageEdge } from '@epipe/core';
import { lineage, type ProvenanceReader } from './index';
import { executionContext } from '../../core/src/testing/provenance';

function art(id: number): ArtifactState {
  return {
    id,
    kind: 'DATASET',
    project: 'p',
    name: `a${id}`,
    version: null,
    path: `/Projects/p/a${id}`,
    ancestorIds: [],
    xattrs: {},
    logicalTime: 1,
    created: null,
    deleted: null,
  };
}

function edge(from: number, to: number, sinceMs = 1, appId = 'x'): LineageEdge {
  return {
    from: { id: from, kind: 'DATASET', project: 'p' },
    to: { id: to, kind: 'DATASET', project: 'p' },
    app: executionContext(appId),
    sinceMs,
  };
}

/** Counts requests: lineage must make one edges query per hop, one mget and one operations query. */
function reader(edges: LineageEdge[]) {
  const calls = { edges: 0, artifacts: 0, operations: 0 };
  const r: ProvenanceReader = {
    artifacts: (ids) => {
      calls.artifacts++;
      return Promise.resolve(ids.map(art));
    },
    edges: (ids, direction, o) => {
      calls.edges++;
      const hits = edges.filter(
        (e) =>
          ids.includes(direction === 'up' ? e.to.id : e.from.id) &&
          (o.asOfMs === undefined || e.sinceMs <= o.asOfMs),
      );
      return Promise.resolve(hits.slice(0, o.size));
    },
    operations: () => {
      calls.operations++;
      return Promise.resolve([]);
    },
    resolve: () => Promise.resolve(null),
    searchInodes: () => Promise.resolve([]),
  };
  return { r, calls };
}

describe('lineage breadth-first', () => {
  // 1 <- 2 <- 4, 1 <- 3 <- 4 (a diamond), 4 <- 1 (a cycle back to the start), 5 <- 6 apart.
  const graph = [
    edge(2, 1),
    edge(3, 1),
    edge(4, 2),
    edge(4, 3),
    edge(1, 4, 1, 'y'),
    edge(6, 5),
    edge(2, 1, 1, 'z'),
  ];

  it('walks a diamond and a cycle once, with one edges query per hop', async () => {
    const { r, calls } = reader(graph);
    const res = await lineage(r, { artifact: { id: 1 }, direction: 'up', depth: 10, limit: 100 });
    expect(res.nodes.map((n) => [n.id, n.depth])).toEqual([
      [1, 0],
      [2, 1],
      [3, 1],
      [4, 2],
    ]);
    expect(res.edges).toHaveLength(6); // 2>1 by x and z, 3>1, 4>2, 4>3, 1>4
    expect(res.truncated).toBe(false);
    expect(calls).toEqual({ edges: 3, artifacts: 1, operations: 1 }); // hops 1, 2, and 3 finds only visited nodes
  });

  it('depth 0 is the artifact alone; depth 1 its direct inputs', async () => {
    expect(
      (await lineage(reader(graph).r, { artifact: { id: 1 }, direction: 'up', depth: 0, limit: 9 })).nodes,
    ).toHaveLength(1);
    const one = await lineage(reader(graph).r, { artifact: { id: 1 }, direction: 'up', depth: 1, limit: 9 });
    expect(one.nodes.map((n) => n.id)).toEqual([1, 2, 3]);
  });

  it('goes downstream along the same edges', async () => {
    const down = await lineage(reader(graph).r, {
      artifact: { id: 4 },
      direction: 'down',
      depth: 1,
      limit: 9,
    });
    expect(down.nodes.map((n) => n.id)).toEqual([4, 2, 3]);
  });

  it('cuts at the limit and says so', async () => {
    const res = await lineage(reader(graph).r, { artifact: { id: 1 }, direction: 'up', depth: 10, limit: 2 });
    expect(res.nodes).toHaveLength(2);
    expect(res.truncated).toBe(true);
    expect(
      res.edges.every(
        (e) => res.nodes.some((n) => n.id === e.from.id) && res.nodes.some((n) => n.id === e.to.id),
      ),
    ).toBe(true);
  });

  it('ignores edges newer than as-of', async () => {
    const res = await lineage(reader([edge(2, 1, 5), edge(3, 1, 50)]).r, {
      artifact: { id: 1 },
      direction: 'up',
      depth: 3,
      limit: 9,
      asOfMs: 10,
    });
    expect(res.nodes.map((n) => n.id)).toEqual([1, 2]);
  });

  it('refuses a negative depth or a zero limit', async () => {
    await expect(
      lineage(reader([]).r, { artifact: { id: 1 }, direction: 'up', depth: -1, limit: 5 }),
    ).rejects.toThrow(/depth/);
    await expect(
      lineage(reader([]).r, { artifact: { id: 1 }, direction: 'up', depth: 1, limit: 0 }),
    ).rejects.toThrow(/limit/);
  });
});
