import { versionedIndexName } from './alias';
import { Client, type estypes } from '@elastic/elasticsearch';
import { silentLogger } from '@epipe/core';
import { testEnv, uniqueName } from '../../../test/support/env';
import { INODE_FIELDS, type InodeSource } from './fields';
import {
  createElasticSink,
  deadLetterIndexName,
  type ElasticSink,
  type ElasticSinkConfig,
  type InodeChange,
} from './index';
import { indexTemplateName } from './template';
import { docAt } from './fixtures.spec';
import { PathIds } from '../../core/src/testing/paths';
import { testElasticConnection } from './testing/elastic';

jest.setTimeout(120_000);

const env = testEnv();
const index = uniqueName('epipe_sink_elastic');
const client = new Client({ node: env.elasticUrl });
const sinks: ElasticSink[] = [];

function config(overrides: Partial<ElasticSinkConfig> = {}): ElasticSinkConfig {
  return {
    ...testElasticConnection(),
    index,
    // Small bulks, several in flight: 200 documents become many concurrent requests.
    bulkMaxBytes: 64 * 1024,
    bulkMaxDocs: 25,
    concurrency: 3,
    ...overrides,
  };
}

function newSink(overrides: Partial<ElasticSinkConfig> = {}): ElasticSink {
  const sink = createElasticSink(config(overrides), { logger: silentLogger() });
  sinks.push(sink);
  return sink;
}

let sink: ElasticSink;

async function search(query: estypes.QueryDslQueryContainer, size = 1000): Promise<InodeSource[]> {
  await client.indices.refresh({ index });
  const res = await client.search<InodeSource>({ index, query, size, sort: [{ inode_id: 'asc' }] });
  return res.hits.hits.map((h) => h._source!);
}

async function get(id: number): Promise<{ version: number; source: InodeSource } | undefined> {
  const res = await client.get<InodeSource>({ index, id: String(id) }, { ignore: [404] });
  return res.found ? { version: res._version!, source: res._source! } : undefined;
}

/** A tree of directories and files under `root`, with consistent ancestor ids. */
class Tree extends PathIds {
  constructor(nextId: number) {
    super(nextId, [['/', 1]]);
  }

  upsert(path: string, logicalTime = 1, isDir = false): InodeChange {
    for (const p of ancestorsOf(path)) this.idOf(p);
    return { kind: 'upsert', doc: docAt(this.idOf(path), path, { logicalTime, isDir }, this.ids) };
  }

  /** Renames in the tree's own bookkeeping, and the change the sink gets. */
  move(oldPath: string, newPath: string): InodeChange {
    const dirInodeId = this.idOf(oldPath);
    for (const [p, id] of [...this.ids]) {
      if (p === oldPath || p.startsWith(`${oldPath}/`)) {
        this.ids.delete(p);
        this.ids.set(newPath + p.slice(oldPath.length), id);
      }
    }
    const newAncestorIds = ancestorsOf(newPath).map((p) => this.idOf(p));
    return { kind: 'move', dirInodeId, oldPath, newPath, newAncestorIds };
  }
}

function ancestorsOf(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return ['/', ...parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
}

beforeAll(async () => {
  sink = newSink();
  await sink.start();
});

afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  await client.indices.delete({ index: versionedIndexName(index, 1) }, { ignore: [404] });
  await client.indices.delete({ index: deadLetterIndexName(index) }, { ignore: [404] });
  await client.indices.deleteIndexTemplate({ name: indexTemplateName(index) }, { ignore: [404] });
  await client.close();
});

describe('start', () => {
  it('puts the index template and creates the index with its mapping, idempotently', async () => {
    await newSink().start(); // a second start on existing template and index
    const { index_templates } = await client.indices.getIndexTemplate({ name: indexTemplateName(index) });
    expect(index_templates[0]!.index_template.index_patterns).toEqual([index, `${index}-v*`]);
    // The name the daemon writes is an alias over a versioned index, so reindex can swap it.
    const concrete = versionedIndexName(index, 1);
    expect(await client.indices.getAlias({ name: index })).toEqual({
      [concrete]: { aliases: { [index]: { is_write_index: true } } },
    });
    const settings = await client.indices.getSettings({ index });
    expect(settings[concrete]!.settings!.index).toMatchObject({
      number_of_shards: '1',
      number_of_replicas: '0',
      refresh_interval: '1s',
    });
    const mapping = await client.indices.getMapping({ index });
    const props = mapping[concrete]!.mappings.properties!;
    expect(props.path).toMatchObject({ type: 'keyword', fields: { text: { type: 'text' } } });
    expect(props.ancestor_paths).toMatchObject({ type: 'keyword' });
    expect(props.ancestor_ids).toMatchObject({ type: 'long' });
    expect(props.xattrs).toMatchObject({ type: 'object', enabled: false });
  });

  it('applies a changed refresh interval to the existing index at start, not only to the template', async () => {
    const concrete = versionedIndexName(index, 1);
    const interval = async (): Promise<unknown> =>
      (await client.indices.getSettings({ index }))[concrete]!.settings!.index!.refresh_interval;
    try {
      await newSink({ refreshInterval: '250ms' }).start();
      expect(await interval()).toBe('250ms');
      const { index_templates } = await client.indices.getIndexTemplate({ name: indexTemplateName(index) });
      expect(index_templates[0]!.index_template.template!.settings!.index!.refresh_interval).toBe('250ms');
    } finally {
      await newSink().start(); // back to this file's interval
    }
    expect(await interval()).toBe('1s');
  });

  it('fails with a retriable SINK_ELASTIC error when the cluster cannot be reached', async () => {
    const unreachable = newSink({ url: 'http://127.0.0.1:1', maxRetries: 1, requestTimeoutMs: 2_000 });
    await expect(unreachable.start()).rejects.toMatchObject({
      name: 'EpipeError',
      code: 'SINK_ELASTIC',
      retriable: true,
    });
  });
});

describe('upserts and deletes', () => {
  const tree = new Tree(1000);

  beforeAll(async () => {
    const report = tree.upsert('/Projects/demo/Resources/quarterly_report.csv', 3);
    if (report.kind === 'upsert') report.doc.xattrs = { tags: 'pii', note: 'numbers for the board meeting' };
    const result = await sink.apply([
      tree.upsert('/Projects/demo', 1, true),
      tree.upsert('/Projects/demo/Resources', 1, true),
      report,
      tree.upsert('/Projects/other/Resources/weekly.csv', 1),
    ]);
    expect(result.rejected).toEqual([]);
  });

  it('finds a file by a word of its name, and by its whole name', async () => {
    for (const query of ['quarterly', 'REPORT', 'quarterly_report.csv']) {
      const hits = await search({
        multi_match: { query, fields: [INODE_FIELDS.name, INODE_FIELDS.nameWords] },
      });
      expect({ query, paths: hits.map((h) => h.path) }).toEqual({
        query,
        paths: ['/Projects/demo/Resources/quarterly_report.csv'],
      });
    }
    const exact = await search({ term: { [INODE_FIELDS.nameKeyword]: 'weekly.csv' } });
    expect(exact.map((h) => h.path)).toEqual(['/Projects/other/Resources/weekly.csv']);
  });

  it('finds files by a path segment', async () => {
    const hits = await search({ match: { [INODE_FIELDS.pathText]: 'other' } });
    expect(hits.map((h) => h.path)).toEqual(['/Projects/other/Resources/weekly.csv']);
  });

  it('finds everything under a directory with one term on ancestor_paths', async () => {
    const hits = await search({ term: { [INODE_FIELDS.ancestorPaths]: '/Projects/demo' } });
    expect(hits.map((h) => h.path)).toEqual([
      '/Projects/demo/Resources',
      '/Projects/demo/Resources/quarterly_report.csv',
    ]);
    expect(hits.every((h) => h.project === 'demo')).toBe(true);
    expect(hits.find((h) => h.name === 'quarterly_report.csv')!.dataset).toBe('Resources');
  });

  it('finds a file by an xattr pair and by words of xattr values', async () => {
    expect((await search({ term: { [INODE_FIELDS.xattrPairs]: 'tags=pii' } })).map((h) => h.name)).toEqual([
      'quarterly_report.csv',
    ]);
    expect((await search({ match: { [INODE_FIELDS.xattrText]: 'board' } })).map((h) => h.name)).toEqual([
      'quarterly_report.csv',
    ]);
  });

  it('keeps newer state when an older version arrives later, and counts that as success', async () => {
    const newer = tree.upsert('/Projects/demo/Resources/versioned.csv', 5);
    const older = tree.upsert('/Projects/demo/Resources/versioned.csv', 4);
    if (older.kind === 'upsert') older.doc.size = 1;
    expect((await sink.apply([newer])).rejected).toEqual([]);
    expect((await sink.apply([older])).rejected).toEqual([]);
    const stored = await get(tree.idOf('/Projects/demo/Resources/versioned.csv'));
    expect(stored).toMatchObject({ version: 5, source: { logical_time: 5, size: 1024 } });
    // A replay of the very same version is a success too, and changes nothing.
    expect((await sink.apply([newer])).rejected).toEqual([]);
    expect((await get(tree.idOf('/Projects/demo/Resources/versioned.csv')))!.version).toBe(5);
  });

  it('deletes, and a stale upsert after the delete does not resurrect the document', async () => {
    const path = '/Projects/demo/Resources/deleted.csv';
    const id = tree.idOf(path);
    expect((await sink.apply([tree.upsert(path, 2)])).rejected).toEqual([]);
    expect(await get(id)).toBeDefined();
    expect((await sink.apply([{ kind: 'delete', inodeId: id, logicalTime: 3 }])).rejected).toEqual([]);
    expect(await get(id)).toBeUndefined();
    expect((await sink.apply([tree.upsert(path, 2)])).rejected).toEqual([]);
    expect(await get(id)).toBeUndefined();
  });

  it('treats deleting a document that does not exist as success', async () => {
    expect((await sink.apply([{ kind: 'delete', inodeId: 987_654, logicalTime: 1 }])).rejected).toEqual([]);
  });

  it('keeps the last change of an inode that appears twice in one apply', async () => {
    const path = '/Projects/demo/Resources/twice.csv';
    const result = await sink.apply([
      tree.upsert(path, 1),
      { kind: 'delete', inodeId: tree.idOf(path), logicalTime: 2 },
    ]);
    expect(result.rejected).toEqual([]);
    expect(await get(tree.idOf(path))).toBeUndefined();
  });

  it('returns a document the server refuses in `rejected` and writes the rest', async () => {
    // A path longer than Lucene's 32766-byte term limit: the server refuses this one document.
    const tooLong = tree.upsert(`/Projects/demo/Resources/${'x'.repeat(33_000)}`, 1);
    const fine = tree.upsert('/Projects/demo/Resources/fine.csv', 1);
    const result = await sink.apply([fine, tooLong]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]!.change).toBe(tooLong);
    expect(result.rejected[0]!.reason).toMatch(/^document_parsing_exception: .*\[path\]/);
    expect(result.rejected[0]!.reason.length).toBeLessThanOrEqual(1000);
    expect(await get(tree.idOf('/Projects/demo/Resources/fine.csv'))).toBeDefined();
  });
});

describe('dead letters', () => {
  it('keeps letters in the dead-letter index, once per log id and stage, rows of any shape as text', async () => {
    const s = newSink();
    await s.start();
    const letters = [
      {
        logId: 5,
        inodeId: 50,
        stage: 'parse' as const,
        reason: 'unknown operation code 99',
        row: { log_id: 5n },
        epoch: 9,
      },
      {
        logId: 6,
        inodeId: 60,
        stage: 'enrich' as const,
        reason: 'inode 60 no longer exists',
        row: { x: 'y'.repeat(40_000) },
        epoch: 9,
      },
    ];
    await s.recordDeadLetters(letters);
    await s.recordDeadLetters(letters.slice(0, 1)); // a replayed batch writes the same document
    const name = deadLetterIndexName(index);
    await client.indices.refresh({ index: name });
    const res = await client.search<{ log_id: number; stage: string; reason: string; row: string }>({
      index: name,
      sort: [{ log_id: 'asc' }],
    });
    expect(res.hits.hits.map((h) => [h._id, h._source!.log_id, h._source!.stage, h._source!.reason])).toEqual(
      [
        ['5-parse', 5, 'parse', 'unknown operation code 99'],
        ['6-enrich', 6, 'enrich', 'inode 60 no longer exists'],
      ],
    );
    expect(res.hits.hits[0]!._source!.row).toBe('{"log_id":"5"}');
    expect(res.hits.hits[1]!._source!.row.length).toBeLessThanOrEqual(32_001);
  });
});

describe('directory moves', () => {
  const tree = new Tree(100_000);
  const dirs = ['/Projects/p1/ds1/a', '/Projects/p1/ds1/a/b', '/Projects/p1/ds1/a/b/c'];

  function subtree(root: string, files: number, from = 0): InodeChange[] {
    const changes: InodeChange[] = [];
    for (let i = from; i < from + files; i++) {
      const dir = dirs[i % dirs.length]!.replace('/Projects/p1/ds1', root);
      changes.push(tree.upsert(`${dir}/f${i}.csv`, 2));
    }
    return changes;
  }

  it('rewrites every descendant, including those written in the same apply, and nothing else', async () => {
    const before = [
      tree.upsert('/Projects/p1', 1, true),
      tree.upsert('/Projects/p1/ds1', 1, true),
      ...dirs.map((d) => tree.upsert(d, 1, true)),
      // Siblings with a similar prefix must not move.
      tree.upsert('/Projects/p1/ds1b/f.csv', 1),
      tree.upsert('/Projects/p1/ds10/a/f.csv', 1),
      ...subtree('/Projects/p1/ds1', 120),
    ];
    expect((await sink.apply(before)).rejected).toEqual([]);

    const sameApply = subtree('/Projects/p1/ds1', 80, 120);
    const move = tree.move('/Projects/p1/ds1', '/Projects/p2/renamed');
    const dirUpsert = tree.upsert('/Projects/p2/renamed', 2, true);
    const result = await sink.apply([...sameApply, move, dirUpsert]);
    expect(result.rejected).toEqual([]);

    const moved = await search({ term: { [INODE_FIELDS.ancestorPaths]: '/Projects/p2/renamed' } });
    expect(moved).toHaveLength(3 + 200);
    for (const doc of moved) {
      expect(doc.path.startsWith('/Projects/p2/renamed/')).toBe(true);
      expect(doc.project).toBe('p2');
      expect(doc.dataset).toBe('renamed');
      expect(doc.ancestor_paths).toEqual(ancestorsOf(doc.path));
      expect(doc.ancestor_ids).toEqual(ancestorsOf(doc.path).map((p) => tree.ids.get(p)));
      expect(doc.depth).toBe(doc.path.split('/').length - 1);
    }
    expect(await search({ term: { [INODE_FIELDS.ancestorPaths]: '/Projects/p1/ds1' } })).toEqual([]);
    const untouched = await search({ term: { [INODE_FIELDS.ancestorPaths]: '/Projects/p1' } });
    expect(untouched.map((d) => d.path).sort()).toEqual([
      '/Projects/p1/ds10/a/f.csv',
      '/Projects/p1/ds1b/f.csv',
    ]);
    // The moved documents kept their versions: logical_time is still the only version.
    const one = moved[0]!;
    expect((await get(one.inode_id))!.version).toBe(one.logical_time);
  });

  it('applies nested and consecutive moves in one apply, each seeing the one before', async () => {
    const setup = [
      tree.upsert('/n', 1, true),
      tree.upsert('/n/a', 1, true),
      tree.upsert('/n/a/c', 1, true),
      tree.upsert('/n/a/c/deep.txt', 1),
      tree.upsert('/n/a/top.txt', 1),
    ];
    expect((await sink.apply(setup)).rejected).toEqual([]);

    const changes = [
      tree.move('/n/a', '/n/b'),
      tree.move('/n/b/c', '/n/d'), // c was moved along with a: this move only works on the result
      tree.upsert('/n/d/new.txt', 1),
      tree.move('/n/d', '/n/b/e'), // and back inside b, under another name
    ];
    expect((await sink.apply(changes)).rejected).toEqual([]);

    const docs = await search({ term: { [INODE_FIELDS.ancestorPaths]: '/n' } });
    expect(docs.map((d) => [d.inode_id, d.path])).toEqual(
      [
        // A moved directory's own document is the caller's upsert to make, not the move's.
        [tree.idOf('/n/b'), '/n/a'],
        // c moved along with a; its own later moves are again the caller's to write.
        [tree.idOf('/n/b/e'), '/n/b/c'],
        [tree.idOf('/n/b/e/deep.txt'), '/n/b/e/deep.txt'],
        [tree.idOf('/n/b/top.txt'), '/n/b/top.txt'],
        [tree.idOf('/n/b/e/new.txt'), '/n/b/e/new.txt'],
      ].sort((x, y) => Number(x[0]) - Number(y[0])),
    );
    const deep = docs.find((d) => d.name === 'deep.txt')!;
    expect(deep.ancestor_ids).toEqual(['/', '/n', '/n/b', '/n/b/e'].map((p) => tree.ids.get(p)));
  });
});

describe('directory moves and writes that do not land', () => {
  const tree = new Tree(200_000);

  it('moves the stored document of an inode whose write in the same call met newer state', async () => {
    // f is stored at /s/a/f, version 5. A late write of an older state (version 3, when f was
    // still at /s/z/f) comes in one call with the move of /s/a: the cluster keeps version 5, so
    // the move must rewrite the stored document, not the one the call carried.
    const setup = [tree.upsert('/s', 1, true), tree.upsert('/s/a', 1, true), tree.upsert('/s/z', 1, true)];
    expect((await sink.apply([...setup, tree.upsert('/s/a/f', 5)])).rejected).toEqual([]);
    const stale: InodeChange = {
      kind: 'upsert',
      doc: docAt(tree.idOf('/s/a/f'), '/s/z/f', { logicalTime: 3 }, tree.ids),
    };
    const move = tree.move('/s/a', '/s/b');
    expect((await sink.apply([stale, move])).rejected).toEqual([]);
    expect(await get(tree.idOf('/s/b/f'))).toMatchObject({
      version: 5,
      source: { path: '/s/b/f', ancestor_ids: ['/', '/s', '/s/b'].map((p) => tree.ids.get(p)) },
    });
  });

  it('moves what the call wrote through the moves after it only, and what it deleted not at all', async () => {
    const setup = [tree.upsert('/w', 1, true), tree.upsert('/w/a', 1, true), tree.upsert('/w/a/gone', 1)];
    expect((await sink.apply(setup)).rejected).toEqual([]);
    const gone = tree.idOf('/w/a/gone');
    const changes = [
      tree.upsert('/w/a/early', 2), // written before the move: the move carries it
      tree.move('/w/a', '/w/b'),
      tree.upsert('/w/b/late', 2), // written after it, already at its place
      { kind: 'delete', inodeId: gone, logicalTime: 2 } as InodeChange,
    ];
    expect((await sink.apply(changes)).rejected).toEqual([]);
    expect((await get(tree.idOf('/w/b/early')))!.source.path).toBe('/w/b/early');
    expect((await get(tree.idOf('/w/b/late')))!.source.path).toBe('/w/b/late');
    expect(await get(gone)).toBeUndefined();
  });
});

describe('a cluster that cannot take writes', () => {
  it('retries items refused for now, then fails retriably, and recovers once writes are allowed', async () => {
    const impatient = newSink({ maxRetries: 1 });
    await impatient.start();
    const change: InodeChange = { kind: 'upsert', doc: docAt(555_555, '/blocked/f.csv') };
    await client.indices.putSettings({ index, settings: { 'index.blocks.write': true } });
    try {
      await expect(impatient.apply([change])).rejects.toMatchObject({
        name: 'EpipeError',
        code: 'SINK_ELASTIC',
        retriable: true,
        message: expect.stringMatching(/cluster_block_exception/) as unknown,
      });
    } finally {
      await client.indices.putSettings({ index, settings: { 'index.blocks.write': null } });
    }
    expect((await impatient.apply([change])).rejected).toEqual([]);
    expect(await get(555_555)).toBeDefined();
  });
});
