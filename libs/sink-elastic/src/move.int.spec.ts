import { versionedIndexName } from './alias';
import { Client } from '@elastic/elasticsearch';
import { silentLogger } from '@epipe/core';
import PQueue from 'p-queue';
import { testEnv, uniqueName } from '../../../test/support/env';
import { writeOp } from './bulk';
import type { MoveChange } from './changes';
import type { ElasticSinkConfig } from './config';
import type { SinkContext } from './context';
import { buildInodeSource, type InodeDoc } from './doc';
import { clientOptions, createElasticSink } from './elastic-sink';
import type { InodeSource } from './fields';
import { docAt } from './fixtures.spec';
import { applyMoves } from './move';
import { indexTemplateName } from './template';

jest.setTimeout(120_000);

const env = testEnv();
const index = uniqueName('epipe_sink_elastic_move');
const client = new Client({ node: env.elasticUrl });
const config: ElasticSinkConfig = {
  url: env.elasticUrl,
  index,
  requestTimeoutMs: 30_000,
  maxRetries: 2,
  bulkMaxBytes: 1024 * 1024,
  bulkMaxDocs: 100,
  concurrency: 1,
  refreshInterval: '1s',
  replicas: 0,
};

// /old (id 10) holds three files; it moves to /new.
const ids = new Map([
  ['/', 1],
  ['/old', 10],
  ['/new', 10],
]);
const move: MoveChange = {
  kind: 'move',
  dirInodeId: 10,
  oldPath: '/old',
  newPath: '/new',
  newAncestorIds: [1],
};
const file = (id: number, path: string, logicalTime: number): InodeDoc =>
  docAt(id, path, { logicalTime }, ids);

/**
 * A context whose first bulk request is preceded by other writes to the same documents, made
 * through the real cluster: what another writer could do between the move's read and its write.
 */
function racingContext(race: () => Promise<void>): SinkContext {
  let raced = false;
  return {
    client: new Client(clientOptions(config)),
    config,
    logger: silentLogger(),
    queue: new PQueue({ concurrency: 1 }),
    request: async (what, send, signal) => {
      if (what === 'bulk request' && !raced) {
        raced = true;
        await race();
      }
      return send(signal);
    },
  };
}

async function write(doc: InodeDoc): Promise<void> {
  const op = writeOp(index, { kind: 'upsert', doc });
  await client.bulk({ operations: [op.action, op.doc!], refresh: true });
}

async function stored(id: number): Promise<{ version: number; source: InodeSource }> {
  const res = await client.get<InodeSource>({ index, id: String(id) });
  return { version: res._version!, source: res._source! };
}

beforeAll(async () => {
  const sink = createElasticSink(config, { logger: silentLogger() });
  await sink.start();
  await sink.close();
  for (const doc of [file(11, '/old/a', 1), file(12, '/old/b', 1), file(13, '/old/c', 1)]) await write(doc);
});

afterAll(async () => {
  await client.indices.delete({ index: versionedIndexName(index, 1) }, { ignore: [404] });
  await client.indices.deleteIndexTemplate({ name: indexTemplateName(index) }, { ignore: [404] });
  await client.close();
});

it('re-reads a descendant that changed under the move and rewrites its newer state', async () => {
  const ctx = racingContext(async () => {
    // a: a newer state, still under the old path; b: already written at its new path.
    await write(file(11, '/old/a', 7));
    await write(file(12, '/new/b', 5));
  });
  const outcome = await applyMoves(ctx, [move], new Map());
  await ctx.client.close();

  expect(outcome.rejected).toEqual([]);
  const a = await stored(11);
  expect(a).toMatchObject({
    version: 7,
    source: { path: '/new/a', logical_time: 7, ancestor_paths: ['/', '/new'] },
  });
  expect(await stored(12)).toMatchObject({ version: 5, source: { path: '/new/b', logical_time: 5 } });
  expect(await stored(13)).toMatchObject({ version: 1, source: { path: '/new/c', logical_time: 1 } });
  expect(buildInodeSource(file(13, '/new/c', 1))).toEqual((await stored(13)).source);
});

it('lets a stale move lose: a move older than the path a document shows leaves it alone', async () => {
  // /x (id 20) holds f (id 21), written at epoch 5. The current leader moves /x to /z at epoch
  // 30; a deposed leader's move of /x to /y, from epoch 20, lands after it.
  const xIds = new Map([
    ['/', 1],
    ['/x', 20],
    ['/y', 20],
    ['/z', 20],
  ]);
  await write(docAt(21, '/x/f', { logicalTime: 3, pathEpoch: 5 }, xIds));
  const ctx = racingContext(() => Promise.resolve());
  const current: MoveChange = {
    kind: 'move',
    dirInodeId: 20,
    oldPath: '/x',
    newPath: '/z',
    newAncestorIds: [1],
    epoch: 30,
  };
  const stale: MoveChange = {
    kind: 'move',
    dirInodeId: 20,
    oldPath: '/x',
    newPath: '/y',
    newAncestorIds: [1],
    epoch: 20,
  };
  await applyMoves(ctx, [current], new Map());
  await client.indices.refresh({ index });
  await applyMoves(ctx, [stale], new Map());
  await ctx.client.close();
  expect(await stored(21)).toMatchObject({ version: 3, source: { path: '/z/f', path_epoch: 30 } });
});
