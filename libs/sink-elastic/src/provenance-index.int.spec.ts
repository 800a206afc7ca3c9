import { Client } from '@elastic/elasticsearch';
import {
  PROVENANCE_EVENT_SCHEMA,
  PROVENANCE_EVENT_SCHEMA_VERSION,
  type ArtifactKind,
  type ArtifactOp,
  type ArtifactState,
  type LineageEdge,
  type ProvenanceEvent,
} from '@epipe/core';
import { testEnv, uniqueName } from '../../../test/support/env';
import { type ProvenanceIndex } from './index';
import { artifactState, userActor } from '../../core/src/testing/provenance';
import { testProvenanceIndex } from './testing/elastic';

jest.setTimeout(120_000);

const env = testEnv();
const prefix = uniqueName('epipe_prov');
const client = new Client({ node: env.elasticUrl });
let index: ProvenanceIndex;

function artifact(
  id: number,
  kind: ArtifactKind,
  name: string,
  version: number | null,
  lt: number,
): ArtifactState {
  return artifactState(id, kind, name, version, {
    path: `/Projects/p1/${name}_${version}`,
    ancestorIds: [1, 2, 3],
    xattrs: { owner: 'team-a' },
    logicalTime: lt,
    created: {
      atMs: 1_000,
      appId: 'app_1',
      jobName: 'make',
      jobId: 7,
      jobProject: 'p1',
      pipelineRun: 'R',
      pipelineRunId: 3,
      user: 'alice',
    },
  });
}

let n = 0;
function op(o: ArtifactOp, id: number, name: string, appId: string | null, atMs: number): ProvenanceEvent {
  n++;
  return {
    schema: PROVENANCE_EVENT_SCHEMA,
    schemaVersion: PROVENANCE_EVENT_SCHEMA_VERSION,
    eventId: `prov/testdb/${n.toString(16).padStart(32, '0')}`,
    artifact: { id, kind: 'DATASET', project: 'p1', name, version: 1, path: `/Projects/p1/${name}` },
    op: o,
    detail: null,
    count: 3,
    firstCommitTsMs: atMs,
    lastCommitTsMs: atMs + 5,
    app: appId
      ? {
          appId,
          jobName: 'job',
          jobId: 7,
          jobProject: 'p1',
          jobExecutionId: 1,
          pipelineRunId: 3,
          pipelineName: 'pl',
          pipelineRun: 'R',
        }
      : null,
    user: { id: 1, name: 'alice' },
    logIds: [n * 10, n * 10 + 1, n * 10 + 2],
  };
}

function edge(from: number, to: number, appId: string, sinceMs: number): LineageEdge {
  return {
    from: { id: from, kind: 'FEATURE_GROUP', project: 'p1' },
    to: { id: to, kind: 'TRAINING_DATASET', project: 'p2' },
    app: {
      appId,
      jobName: 'j',
      jobId: 8,
      jobProject: 'p1',
      jobExecutionId: null,
      pipelineRunId: 3,
      pipelineName: null,
      pipelineRun: 'R',
    },
    sinceMs,
  };
}

beforeAll(async () => {
  index = testProvenanceIndex(prefix);
  await index.start();
  await index.start(); // idempotent
});

afterAll(async () => {
  await index.close();
  await client.indices.delete({ index: `${prefix}_*` }, { ignore: [404] });
  for (const kind of ['artifacts', 'operations', 'edges'])
    await client.indices.deleteIndexTemplate({ name: `${prefix}_${kind}-template` }, { ignore: [404] });
  await client.close();
});

describe('provenance index (real Elasticsearch)', () => {
  it('creates the three indices with strict mappings', async () => {
    for (const name of Object.values(index.names)) {
      const mapping = await client.indices.getMapping({ index: name });
      expect(mapping[name]!.mappings.dynamic).toBe('strict');
    }
    await expect(
      client.index({ index: index.names.edges, document: { from_id: 1, unknown_field: 'x' } }),
    ).rejects.toThrow(/strict_dynamic_mapping_exception/);
  });

  it('writes artifacts whole, newest logical_time wins, and a stale write is success', async () => {
    expect(await index.writeArtifacts([artifact(10, 'FEATURE_GROUP', 'fg', 1, 5)])).toEqual({ rejected: [] });
    const deleted = {
      ...artifact(10, 'FEATURE_GROUP', 'fg', 1, 7),
      deleted: userActor('bob', 9_000),
    };
    await index.writeArtifacts([deleted]);
    // A replay of the older state: 409, counted as success, changes nothing.
    expect(await index.writeArtifacts([artifact(10, 'FEATURE_GROUP', 'fg', 1, 5)])).toEqual({ rejected: [] });
    const [got] = await index.artifacts([10, 999]);
    expect(got).toEqual(deleted);
  });

  it('creates operations once: a republished event id is success and no duplicate', async () => {
    const events = [
      op('ACCESS', 20, 'raw', 'app_x', 1_000),
      op('CREATE', 21, 'fg_a', 'app_x', 2_000),
      op('ACCESS', 22, 'other', null, 3_000),
    ];
    expect(await index.writeOperations(events)).toEqual({ rejected: [] });
    expect(await index.writeOperations(events)).toEqual({ rejected: [] });
    await index.refresh();
    const all = await index.operations({});
    expect(all.map((o) => o.eventId)).toEqual(events.map((e) => e.eventId));
    expect(all[0]).toMatchObject({
      op: 'ACCESS',
      count: 3,
      app: { appId: 'app_x', pipelineRun: 'R', jobId: 7, jobProject: 'p1', pipelineRunId: 3 },
      artifact: { id: 20 },
    });
    expect(await index.operations({ artifactIds: [21] })).toHaveLength(1);
    expect(await index.operations({ sinceMs: 2_500 })).toHaveLength(1);
  });

  it("returns an app's inputs and outputs with the first time of each (the edge store port)", async () => {
    await index.writeOperations([
      op('ACCESS', 20, 'raw', 'app_x', 500),
      op('MUTATION', 23, 'fg_b', 'app_x', 4_000),
    ]);
    await index.refresh();
    const history = await index.appHistory('app_x');
    expect(history.inputs).toEqual([{ artifact: { id: 20, kind: 'DATASET', project: 'p1' }, atMs: 500 }]);
    expect(history.outputs.map((o) => [o.artifact.id, o.atMs])).toEqual([
      [21, 2_000],
      [23, 4_000],
    ]);
    expect(await index.appHistory('nobody')).toEqual({ app: null, inputs: [], outputs: [] });
  });

  it('reads edges up and down in one terms query, as of a time', async () => {
    const edges = [edge(1, 2, 'a', 100), edge(1, 2, 'b', 300), edge(3, 2, 'a', 200), edge(2, 4, 'c', 400)];
    expect(await index.writeEdges(edges)).toEqual({ rejected: [] });
    expect(await index.writeEdges(edges)).toEqual({ rejected: [] });
    await index.refresh();
    const show = (es: LineageEdge[]) => es.map((e) => `${e.from.id}>${e.to.id}@${e.app.appId}`);
    expect(show(await index.edges([2], 'up', { size: 100 }))).toEqual(['1>2@a', '3>2@a', '1>2@b']);
    expect(show(await index.edges([2], 'up', { size: 100, asOfMs: 250 }))).toEqual(['1>2@a', '3>2@a']);
    expect(show(await index.edges([1, 2], 'down', { size: 100 }))).toEqual(['1>2@a', '1>2@b', '2>4@c']);
    expect((await index.edges([2], 'up', { size: 100 }))[0]).toEqual(edges[0]);
  });

  it('splits a large write into bounded requests and loses nothing', async () => {
    const many = Array.from({ length: 4_500 }, (_, i) => edge(100_000 + i, 200_000, 'bulk', 10));
    expect(await index.writeEdges(many)).toEqual({ rejected: [] });
    await index.refresh();
    const { count } = await client.count({ index: index.names.edges, query: { term: { app_id: 'bulk' } } });
    expect(count).toBe(4_500);
  });

  it('finds the live artifacts below a directory by ancestor id, over several pages', async () => {
    const below = Array.from({ length: 1_203 }, (_, i) => ({
      ...artifact(50_000 + i, 'MODEL', `m${i}`, 1, 1),
      ancestorIds: [1, 2, 3, 77],
    }));
    const gone = {
      ...artifact(49_999, 'MODEL', 'gone', 1, 2),
      ancestorIds: [1, 2, 3, 77],
      deleted: { ...below[0]!.created!, atMs: 5_000 },
    };
    await index.writeArtifacts([
      ...below,
      gone,
      { ...artifact(49_998, 'MODEL', 'elsewhere', 1, 1), ancestorIds: [1, 2, 3, 78] },
    ]);
    await index.refresh();
    const found = await index.artifactsUnder([77]);
    expect(found.map((a) => a.id)).toEqual(below.map((a) => a.id));
    expect((await index.artifactsUnder([78, 99])).map((a) => a.name)).toEqual(['elsewhere']);
    expect(await index.artifactsUnder([])).toEqual([]);
  });

  it('reads directories from the inode index for roots it never saw written', async () => {
    const inodes = `${prefix}_inodes`;
    await client.index({
      index: inodes,
      id: '40',
      document: { logical_time: 12, ancestor_ids: [1, 2, 3, 4], xattrs: { team: 'a' } },
      refresh: true,
    });
    const withInodes = testProvenanceIndex(prefix, { inodeIndex: inodes });
    try {
      const got = await withInodes.rootSnapshots([40, 41]);
      expect([...got]).toEqual([[40, { logicalTime: 12, ancestorIds: [1, 2, 3, 4], xattrs: { team: 'a' } }]]);
    } finally {
      await withInodes.close();
    }
    expect((await index.rootSnapshots([40])).size).toBe(0); // no inode index configured
  });

  it('adds fields a newer version indexes to an index an older version made', async () => {
    const old = `${prefix}_old`;
    const names = { artifacts: `${old}_artifacts`, operations: `${old}_operations`, edges: `${old}_edges` };
    // The operations index as it was before the job ids were indexed.
    await client.indices.create({
      index: names.operations,
      mappings: { dynamic: 'strict', properties: { event_id: { type: 'keyword' } } },
    });
    const upgraded = testProvenanceIndex(old);
    try {
      await upgraded.start();
      const mapping = await client.indices.getMapping({ index: names.operations });
      expect(Object.keys(mapping[names.operations]!.mappings.properties!)).toEqual(
        expect.arrayContaining(['job_id', 'job_project', 'pipeline_run_id']),
      );
      expect(await upgraded.writeOperations([op('ACCESS', 60, 'x', 'app_y', 1_000)])).toEqual({
        rejected: [],
      });
    } finally {
      await upgraded.close();
      await client.indices.delete({ index: `${old}_*` }, { ignore: [404] });
      for (const kind of ['artifacts', 'operations', 'edges'])
        await client.indices.deleteIndexTemplate({ name: `${old}_${kind}-template` }, { ignore: [404] });
    }
  });

  it('resolves an artifact by path or name/version, as of a time', async () => {
    await index.writeOperations([
      op('CREATE', 30, 'model', 'app_m', 10_000),
      op('METADATA', 30, 'model_old', 'app_m', 20_000),
      op('CREATE', 31, 'model', 'app_m', 30_000),
    ]);
    await index.refresh();
    expect(await index.resolve({ path: '/Projects/p1/model' }, undefined)).toBe(31);
    expect(await index.resolve({ path: '/Projects/p1/model' }, 15_000)).toBe(30);
    expect(await index.resolve({ project: 'p1', name: 'model', version: 1 }, 25_000)).toBe(30);
    expect(await index.resolve({ project: 'p1', name: 'model_old', version: 1 }, undefined)).toBe(30);
    expect(await index.resolve({ project: 'p1', name: 'nothing', version: 1 }, undefined)).toBeNull();
  });
});
