import { Client } from '@elastic/elasticsearch';
import { silentLogger } from '@epipe/core';
import { testEnv, uniqueName } from '../../../test/support/env';
import { versionedIndexName } from './alias';
import { createElasticSink, type ElasticSink } from './elastic-sink';
import type { InodeSource } from './fields';
import { docAt } from './fixtures.spec';
import { indexTemplateName } from './template';

jest.setTimeout(120_000);

const env = testEnv();
const index = uniqueName('epipe_sink_elastic_resync');
const client = new Client({ node: env.elasticUrl });
let sink: ElasticSink;

beforeAll(async () => {
  sink = createElasticSink(
    {
      url: env.elasticUrl,
      index,
      requestTimeoutMs: 30_000,
      maxRetries: 2,
      bulkMaxBytes: 1024 * 1024,
      bulkMaxDocs: 2, // several bulks per page
      concurrency: 1,
      refreshInterval: '1s',
      replicas: 0,
    },
    { logger: silentLogger() },
  );
  await sink.start();
});

afterAll(async () => {
  await sink?.close();
  await client.indices.delete({ index: versionedIndexName(index, 1) }, { ignore: [404] });
  await client.indices.deleteIndexTemplate({ name: indexTemplateName(index) }, { ignore: [404] });
  await client.close();
});

async function get(id: number): Promise<{ version: number; source: InodeSource } | undefined> {
  const res = await client.get<InodeSource>({ index, id: String(id) }, { ignore: [404] });
  return res.found ? { version: res._version!, source: res._source! } : undefined;
}

describe('syncSubtree', () => {
  it('writes covered inodes that are missing or older, keeps those as new, deletes uncovered ones', async () => {
    // Already indexed: 1 at its current version (its own event's last_* fields), 2 older, 5 to go.
    await sink.apply([
      { kind: 'upsert', doc: docAt(1, '/p/in/same', { logicalTime: 4, lastOperation: 'APPEND' }) },
      { kind: 'upsert', doc: docAt(2, '/p/in/older', { logicalTime: 2 }) },
      { kind: 'upsert', doc: docAt(5, '/p/in/gone', { logicalTime: 3 }) },
    ]);
    const resynced = { lastOperation: 'UNKNOWN', pathEpoch: 9 };
    const outcome = await sink.syncSubtree({
      docs: [
        docAt(1, '/p/in/same', { logicalTime: 4, ...resynced }),
        docAt(2, '/p/in/older', { logicalTime: 6, size: 99, ...resynced }),
        docAt(3, '/p/in/new', { logicalTime: 1, ...resynced }),
      ],
      absent: [5, 6],
    });
    // 5 had a document, 6 none: only 5 counts as deleted.
    expect(outcome).toEqual({ written: 2, kept: 1, deleted: 1, rejected: [] });
    expect(await get(1)).toMatchObject({ version: 4, source: { last_operation: 'APPEND' } });
    expect(await get(2)).toMatchObject({ version: 6, source: { size: 99, last_operation: 'UNKNOWN' } });
    expect(await get(3)).toMatchObject({ version: 1, source: { path: '/p/in/new', path_epoch: 9 } });
    expect(await get(5)).toBeUndefined();
    expect(await get(6)).toBeUndefined();
  });

  it('brings back, at the same version, a document an earlier page deleted (out, then in again)', async () => {
    await sink.apply([{ kind: 'upsert', doc: docAt(20, '/p/x/f', { logicalTime: 5 }) }]);
    await sink.syncSubtree({ docs: [], absent: [20] });
    expect(await get(20)).toBeUndefined();
    // The delete left a tombstone at version 5; the state has not changed since.
    await sink.syncSubtree({ docs: [docAt(20, '/p/y/f', { logicalTime: 5 })], absent: [] });
    expect(await get(20)).toMatchObject({ version: 5, source: { path: '/p/y/f' } });
  });

  it('never rolls a newer document back', async () => {
    await sink.apply([{ kind: 'upsert', doc: docAt(30, '/p/z/f', { logicalTime: 8, size: 8 }) }]);
    await sink.syncSubtree({ docs: [docAt(30, '/p/z/f', { logicalTime: 7, size: 7 })], absent: [] });
    expect(await get(30)).toMatchObject({ version: 8, source: { size: 8 } });
  });
});
