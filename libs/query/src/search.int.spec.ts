import { silentLogger } from '@epipe/core';
import { createElasticSink, type ElasticSink, type ProvenanceIndex } from '@epipe/sink-elastic';
import { docAt } from '../../sink-elastic/src/fixtures.spec';
import { deleteElasticIndices } from '../../../test/support/cleanup';
import { testEnv, uniqueName } from '../../../test/support/env';
import { QueryInputError, searchFiles } from './index';
import { testElasticConnection, testProvenanceIndex } from '../../sink-elastic/src/testing/elastic';

jest.setTimeout(120_000);

const env = testEnv();
const inodeIndex = uniqueName('epipe_query_files');
const prefix = uniqueName('epipe_query_search');
let sink: ElasticSink;
let index: ProvenanceIndex;

beforeAll(async () => {
  sink = createElasticSink(
    {
      ...testElasticConnection(),
      index: inodeIndex,
      bulkMaxBytes: 1 << 20,
      bulkMaxDocs: 500,
      concurrency: 1,
    },
    { logger: silentLogger() },
  );
  await sink.start();
  index = testProvenanceIndex(prefix, { inodeIndex });
  const docs = [
    docAt(11, '/Projects/p1/p1_featurestore.db/fg_a_1/transactions.parquet', { xattrs: { pii: 'yes' } }),
    docAt(12, '/Projects/p1/Resources/raw/transactions_2024.csv'),
    docAt(13, '/Projects/p3/p3_Training_Datasets/td_x_1/transactions.tfrecord', { xattrs: { pii: 'no' } }),
    docAt(14, '/Projects/p3/Resources/notes.txt', { xattrs: { topic: 'fraud transactions' } }),
  ];
  await sink.apply(docs.map((doc) => ({ kind: 'upsert' as const, doc })));
  await index.refresh();
});

afterAll(async () => {
  await sink.close();
  await index.close();
  await deleteElasticIndices(env.elasticUrl, {
    indices: [`${inodeIndex}-v*`],
    templates: [`${inodeIndex}-template`],
  });
});

const ids = (hits: { inode_id: number }[]) => hits.map((h) => h.inode_id).sort();

describe('file search (real Elasticsearch)', () => {
  it('finds files by name, path words and xattr values', async () => {
    expect(ids(await searchFiles(index, { text: 'transactions', limit: 50 }))).toEqual([11, 12, 13, 14]);
    expect(ids(await searchFiles(index, { text: 'raw', limit: 50 }))).toEqual([12]);
    expect(ids(await searchFiles(index, { text: 'fraud', limit: 50 }))).toEqual([14]);
  });

  it("scoped to a project, shows nothing of another project's files", async () => {
    expect(ids(await searchFiles(index, { text: 'transactions', project: 'p3', limit: 50 }))).toEqual([
      13, 14,
    ]);
  });

  it('scopes to a folder and filters by exact xattr', async () => {
    expect(ids(await searchFiles(index, { under: '/Projects/p1/Resources', limit: 50 }))).toEqual([12]);
    expect(ids(await searchFiles(index, { xattrs: { pii: 'yes' }, limit: 50 }))).toEqual([11]);
    expect(ids(await searchFiles(index, { text: 'transactions', xattrs: { pii: 'no' }, limit: 50 }))).toEqual(
      [13],
    );
  });

  it('refuses an empty or relative query as a user error', async () => {
    await expect(searchFiles(index, { limit: 5 })).rejects.toThrow(QueryInputError);
    await expect(searchFiles(index, { under: 'Projects', limit: 5 })).rejects.toThrow(/absolute/);
  });
});
