import {
  PROVENANCE_EVENT_SCHEMA,
  PROVENANCE_EVENT_SCHEMA_VERSION,
  type ArtifactKind,
  type ArtifactOp,
  type LineageEdge,
  type ProvenanceEvent,
} from '@epipe/core';
import { createEdgeBuilder, emptyHistoryStore, type AppHistory, type AppHistoryStore } from './edges';
import { app, shuffled } from './fixtures.spec';

let n = 0;
function prov(
  op: ArtifactOp,
  id: number,
  appId: string | null,
  atMs: number,
  kind: ArtifactKind = 'DATASET',
): ProvenanceEvent {
  n++;
  return {
    schema: PROVENANCE_EVENT_SCHEMA,
    schemaVersion: PROVENANCE_EVENT_SCHEMA_VERSION,
    eventId: `prov/testdb/${n.toString(16).padStart(32, '0')}`,
    artifact: { id, kind, project: 'p', name: `a${id}`, version: 1, path: `/Projects/p/a${id}` },
    op,
    detail: null,
    count: 1,
    firstCommitTsMs: atMs,
    lastCommitTsMs: atMs,
    app: appId ? app(appId) : null,
    user: { id: 1, name: 'alice' },
    logIds: [n],
  };
}

const show = (edges: LineageEdge[]) =>
  edges.map((e) => `${e.from.id}>${e.to.id}@${e.app.appId}:${e.sinceMs}`).sort();

describe('lineage edges', () => {
  it('read before the write: edge since the write', async () => {
    const edges = createEdgeBuilder({ store: emptyHistoryStore });
    expect(await edges.onEvents([prov('ACCESS', 1, 'x', 100)])).toEqual([]);
    expect(show(await edges.onEvents([prov('CREATE', 2, 'x', 200)]))).toEqual(['1>2@x:200']);
  });

  it('read after the write: edge since the read', async () => {
    const edges = createEdgeBuilder({ store: emptyHistoryStore });
    expect(await edges.onEvents([prov('MUTATION', 2, 'x', 200)])).toEqual([]);
    expect(show(await edges.onEvents([prov('ACCESS', 1, 'x', 300)]))).toEqual(['1>2@x:300']);
  });

  it('makes every input → output pair once, whatever the order', async () => {
    const events = [
      prov('ACCESS', 1, 'x', 10),
      prov('ACCESS', 2, 'x', 20),
      prov('ACCESS', 1, 'x', 25),
      prov('MUTATION', 3, 'x', 30),
      prov('CREATE', 4, 'x', 40),
      prov('MUTATION', 4, 'x', 50),
      prov('METADATA', 5, 'x', 60),
      prov('DELETE', 6, 'x', 70),
    ];
    for (const seed of [1, 2, 3, 4, 5]) {
      const edges = createEdgeBuilder({ store: emptyHistoryStore });
      const got = show(await edges.onEvents(shuffled(events, seed))).map((e) => e.replace(/:\d+$/, ''));
      expect(got).toEqual(['1>3@x', '1>4@x', '2>3@x', '2>4@x']);
    }
  });

  it('ignores a self edge (an app reading and rewriting the same artifact)', async () => {
    const edges = createEdgeBuilder({ store: emptyHistoryStore });
    expect(await edges.onEvents([prov('ACCESS', 1, 'x', 1), prov('MUTATION', 1, 'x', 2)])).toEqual([]);
  });

  it('makes no edge from an ACCESS without an app, nor across apps', async () => {
    const edges = createEdgeBuilder({ store: emptyHistoryStore });
    expect(
      await edges.onEvents([
        prov('ACCESS', 1, null, 1),
        prov('CREATE', 2, null, 2),
        prov('ACCESS', 3, 'y', 3),
        prov('CREATE', 4, 'z', 4),
      ]),
    ).toEqual([]);
  });

  it('reloads an evicted app from the store and still finds its edges', async () => {
    const written: ProvenanceEvent[] = [];
    const loads: string[] = [];
    // The store answers from what was "indexed": the events seen so far.
    const store: AppHistoryStore = {
      load: (appId) => {
        loads.push(appId);
        const mine = written.filter((e) => e.app?.appId === appId);
        const touch = (e: ProvenanceEvent) => ({
          artifact: { id: e.artifact.id, kind: e.artifact.kind, project: e.artifact.project },
          atMs: e.firstCommitTsMs,
        });
        const history: AppHistory = {
          app: null,
          inputs: mine.filter((e) => e.op === 'ACCESS').map(touch),
          outputs: mine.filter((e) => e.op === 'CREATE' || e.op === 'MUTATION').map(touch),
        };
        return Promise.resolve(history);
      },
    };
    const edges = createEdgeBuilder({ store, maxApps: 1 });
    const feed = async (e: ProvenanceEvent) => {
      const out = await edges.onEvents([e]);
      written.push(e);
      return show(out);
    };
    expect(await feed(prov('ACCESS', 1, 'x', 10))).toEqual([]);
    expect(await feed(prov('ACCESS', 9, 'y', 11))).toEqual([]); // evicts x
    expect(await feed(prov('CREATE', 2, 'x', 20))).toEqual(['1>2@x:20']);
    expect(loads).toEqual(['x', 'y', 'x']);
    expect(edges.stats()).toEqual({ cachedApps: 1, reloads: 3 });
  });
});
