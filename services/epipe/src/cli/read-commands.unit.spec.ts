import type { ArtifactState, LineageEdge, ProvenanceOperationRecord } from '@epipe/core';
import type { TopicReader, TopicRecord } from '@epipe/client';
import type { FileHit, ProvenanceReader } from '@epipe/query';
import { activityCommand } from './activity';
import type { CliIo } from './common';
import { COMMANDS, dispatch } from './index';
import { lineageCommand } from './lineage';
import { searchCommand } from './search';
import { subscribeCommand } from './subscribe';
import { artifactState, executionContext, userActor } from '../../../../libs/core/src/testing/provenance';

/** An in-memory reader: the same answers the indices would give for these documents. */
class MemoryReader implements ProvenanceReader {
  constructor(
    readonly arts: ArtifactState[],
    readonly edgeList: LineageEdge[],
    readonly ops: ProvenanceOperationRecord[] = [],
    readonly files: FileHit[] = [],
  ) {}
  artifacts(ids: readonly number[]) {
    return Promise.resolve(this.arts.filter((a) => ids.includes(a.id)));
  }
  edges(ids: readonly number[], direction: 'up' | 'down', o: { asOfMs?: number; size: number }) {
    return Promise.resolve(
      this.edgeList
        .filter((e) => ids.includes(direction === 'up' ? e.to.id : e.from.id))
        .filter((e) => o.asOfMs === undefined || e.sinceMs <= o.asOfMs)
        .slice(0, o.size),
    );
  }
  operations(q: { artifactIds?: number[] }) {
    return Promise.resolve(this.ops.filter((o) => !q.artifactIds || q.artifactIds.includes(o.artifact.id)));
  }
  resolve(by: { path: string } | { project: string; name: string; version: number | null }) {
    const a = this.arts.find((x) =>
      'path' in by
        ? x.path === by.path
        : x.project === by.project && x.name === by.name && x.version === by.version,
    );
    return Promise.resolve(a ? a.id : null);
  }
  searchInodes() {
    return Promise.resolve(this.files);
  }
}

const art = (id: number, name: string, version: number | null, kind: ArtifactState['kind']) =>
  artifactState(id, kind, name, version);

const app = (appId: string, jobName: string) =>
  executionContext(appId, { jobName, jobExecutionId: 1, pipelineRun: 'R' });
const end = (a: ArtifactState) => ({ id: a.id, kind: a.kind, project: a.project });
const fraud = art(1, 'fraud', 1, 'MODEL');
const td = art(2, 'td', 1, 'TRAINING_DATASET');
const fgA = art(3, 'fg_a', 1, 'FEATURE_GROUP');
const fgB = art(4, 'fg_b', 2, 'FEATURE_GROUP');
const edges: LineageEdge[] = [
  { from: end(td), to: end(fraud), app: app('a4', 'train_fraud'), sinceMs: 400 },
  { from: end(fgA), to: end(td), app: app('a3', 'make_td'), sinceMs: 300 },
  { from: end(fgB), to: end(td), app: app('a3', 'make_td'), sinceMs: 300 },
];
const ops: ProvenanceOperationRecord[] = [
  {
    eventId: 'prov/x/1',
    artifact: {
      id: 2,
      kind: 'TRAINING_DATASET',
      project: 'p1',
      name: 'td',
      version: 1,
      path: '/Projects/p1/td/1',
    },
    op: 'MUTATION',
    detail: null,
    count: 3,
    firstCommitTsMs: 1_700_000_000_000,
    lastCommitTsMs: 1_700_000_000_100,
    app: app('a3', 'make_td'),
    user: { id: 1, name: 'alice' },
  },
];

function io(reader: ProvenanceReader = new MemoryReader([fraud, td, fgA, fgB], edges, ops)) {
  const out: string[] = [];
  const err: string[] = [];
  // The commands write whole lines; kept here one entry per line.
  const lines = (into: string[]) => (text: string) => into.push(...text.replace(/\n$/, '').split('\n'));
  const value: CliIo = {
    out: lines(out),
    err: lines(err),
    env: {},
    openReader: () => Promise.resolve({ reader, close: () => Promise.resolve() }),
  };
  return { io: value, out, err };
}

describe('read commands', () => {
  const READ = ['lineage', 'search', 'activity', 'subscribe'];

  it.each(READ)('%s --help prints its usage and exits 0', async (name) => {
    const t = io();
    expect(await dispatch([name, '--help'], t.io)).toBe(0);
    expect(t.out.join('\n')).toMatch(new RegExp(`^usage: epipe ${name}`));
    expect(t.err).toEqual([]);
  });

  it('are in the command table, listed by --help', async () => {
    const t = io();
    expect(await dispatch(['--help'], t.io)).toBe(0);
    for (const name of READ) {
      expect(Object.hasOwn(COMMANDS, name)).toBe(true);
      expect(t.out.join('\n')).toContain(`  ${name} `);
    }
  });

  it.each([
    ['lineage', ['fraud/1', '--bogus']],
    ['lineage', []],
    ['lineage', ['fraud/1', '--project', 'p1', '--up', '--down']],
    ['lineage', ['fraud/1', '--project', 'p1', '--depth', 'two']],
    ['lineage', ['fraud/1', '--project', 'p1', '--as-of', 'yesterday-ish']],
    ['lineage', ['fraud/1']], // a name without --project
    ['lineage', ['fraud/9', '--project', 'p1']], // no such artifact
    ['search', []],
    ['search', ['x', '--xattr', 'novalue']],
    ['activity', ['1', '2']],
    ['subscribe', []],
    ['subscribe', ['--topic', 't', '--from', 'latest']],
  ])('%s %j is a user error: exit 2, a message, no stack', async (name, args) => {
    const t = io(new MemoryReader([fraud], []));
    expect(await dispatch([name, ...args], t.io)).toBe(2);
    const text = t.err.join('\n');
    expect(text).toMatch(new RegExp(`^epipe ${name}: `));
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('reports a failing cluster in one line with exit 1', async () => {
    const broken = new MemoryReader([fraud], []);
    broken.edges = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9200'));
    const t = io(broken);
    expect(await lineageCommand(['1'], t.io)).toBe(1);
    expect(t.err).toEqual(['epipe lineage: connect ECONNREFUSED 127.0.0.1:9200']);
  });

  it('prints lineage as a tree, with producers and the count line', async () => {
    const t = io();
    expect(await lineageCommand(['fraud/1', '--project', 'p1', '--depth', '2'], t.io)).toBe(0);
    expect(t.out[0]).toMatch(/^fraud\/1 {2}\(model, p1, id 1\)/);
    expect(t.out[1]).toMatch(/^└─ td\/1 .*← make_td, run R$/);
    expect(t.out[2]).toMatch(/^ {3}├─ fg_a\/1 /);
    expect(t.out[3]).toMatch(/^ {3}└─ fg_b\/2 /);
    expect(t.out[4]).toBe('4 artifact(s), 3 edge(s), upstream');
  });

  it('flags deleted nodes, and nodes deleted only after --as-of', async () => {
    const gone = {
      ...td,
      deleted: userActor('bob', 500),
    };
    const now = io(new MemoryReader([fraud, gone, fgA, fgB], edges, ops));
    expect(await lineageCommand(['1', '--depth', '1'], now.io)).toBe(0);
    expect(now.out[1]).toMatch(/td\/1 .* \[deleted\]/);
    const then = io(new MemoryReader([fraud, gone, fgA, fgB], edges, ops));
    expect(await lineageCommand(['1', '--depth', '1', '--as-of', '450'], then.io)).toBe(0);
    expect(then.out[1]).toMatch(/td\/1 .* \[deleted later, 1970-01-01T00:00:00.500Z\]/);
  });

  it('prints lineage as JSON with --json, and honours --as-of', async () => {
    const t = io();
    expect(await lineageCommand(['1', '--json', '--as-of', '350'], t.io)).toBe(0);
    const result = JSON.parse(t.out.join('\n')) as { nodes: { id: number }[]; asOfMs: number };
    expect(result.nodes.map((n) => n.id)).toEqual([1]);
    expect(result.asOfMs).toBe(350);
  });

  it('prints activity lines', async () => {
    const t = io();
    expect(await activityCommand(['/Projects/p1/td/1'], t.io)).toBe(0);
    expect(t.out[0]).toMatch(/^2023-11-14T22:13:20Z {2}MUTATION {5}x3 .*a3 make_td run R$/);
    expect(t.out[1]).toBe('1 operation(s) of artifact 2');
  });

  it('prints search hits', async () => {
    const hit: FileHit = {
      inode_id: 9,
      name: 'a.csv',
      path: '/Projects/p3/a.csv',
      is_dir: false,
      size: 10,
      owner: null,
      project: 'p3',
      dataset: null,
      xattrs: {},
      last_commit_ts: 0,
    };
    const t = io(new MemoryReader([], [], [], [hit]));
    expect(await searchCommand(['a', '--project', 'p3'], t.io)).toBe(0);
    expect(t.out).toEqual(['/Projects/p3/a.csv  10 B  1970-01-01T00:00:00Z', '1 file(s)']);
  });
});

describe('subscribe', () => {
  function fakeReader(batches: TopicRecord[][]) {
    const handled: number[] = [];
    const reader: TopicReader = {
      run: async (onBatch, afterCommit) => {
        for (const b of batches) {
          handled.push((await onBatch(b)) ?? b.length);
          afterCommit?.();
        }
      },
      stop: () => Promise.resolve(),
    };
    return { reader, handled };
  }
  const rec = (i: number, project: string): TopicRecord => ({
    topic: 't',
    partition: 0,
    offset: String(i),
    key: String(i),
    value: { eventId: `e${i}`, artifact: { project } },
  });

  it('prints JSON lines, filters by project, stops at --max and commits only what it handled', async () => {
    const { reader, handled } = fakeReader([
      [rec(1, 'p1'), rec(2, 'p2'), rec(3, 'p1')],
      [rec(4, 'p1'), rec(5, 'p1'), rec(6, 'p1')],
    ]);
    const t = io();
    const code = await subscribeCommand(['--topic', 't', '--project', 'p1', '--max', '3'], t.io, {
      reader: () => reader,
    });
    expect(code).toBe(0);
    expect(t.out.map((l) => (JSON.parse(l) as { eventId: string }).eventId)).toEqual(['e1', 'e3', 'e4']);
    expect(handled).toEqual([3, 1]);
  });

  it('uses a fresh group for --from beginning and a stable one for committed', async () => {
    const groups: string[] = [];
    const { reader } = fakeReader([[rec(1, 'p1')]]);
    const deps = {
      reader: (o: { groupId: string }) => {
        groups.push(o.groupId);
        return reader;
      },
    };
    for (const from of ['beginning', 'beginning', 'committed', 'committed'])
      await subscribeCommand(['--topic', 't', '--from', from, '--max', '1'], io().io, deps);
    expect(groups[0]).not.toBe(groups[1]);
    expect(groups[2]).toBe('epipe-subscribe.t');
    expect(groups[3]).toBe('epipe-subscribe.t');
  });
});
