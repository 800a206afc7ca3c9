import { Client } from '@elastic/elasticsearch';
import { prng, silentLogger } from '@epipe/core';
import { testEnv, uniqueName } from '../../../test/support/env';
import { versionedIndexName } from './alias';
import type { InodeChange, MoveChange } from './changes';
import type { ElasticSinkConfig } from './config';
import { buildInodeSource, type InodeDoc } from './doc';
import { createElasticSink, type ElasticSink } from './elastic-sink';
import type { InodeSource } from './fields';
import { indexTemplateName } from './template';

/**
 * Property: whatever the interleaving of directory moves (nested, consecutive, moves back),
 * creates, updates and deletes, and however they are cut into apply() calls, the index ends
 * equal to the namespace. The namespace is a plain in-memory tree; the changes the sink gets
 * are made from it the two ways a caller makes them: one change per operation, in order, each
 * document at its path of the moment; or as the pipeline does, per call the deletes and every
 * touched inode's final document first, then the call's moves in order.
 */

jest.setTimeout(600_000);

const env = testEnv();
const prefix = uniqueName('epipe_sink_elastic_move_prop');
const client = new Client({ node: env.elasticUrl });
const ROOT = 1;
const SEEDS = [1, 2, 3, 4];
const OPERATIONS = 260;

interface Node {
  id: number;
  parent: number;
  name: string;
  isDir: boolean;
  version: number;
  size: number;
  /** The epoch of the operation that last wrote the inode (its document's path_epoch). */
  epoch: number;
  /** Where a directory was before each of its moves, for moves back. */
  history: { parent: number; name: string }[];
}

/** What one operation did, for the changes a caller would send. */
type Step =
  | { kind: 'write'; id: number }
  | { kind: 'delete'; deletes: { id: number; version: number }[] }
  | { kind: 'move'; move: MoveChange; dir: number };

class Namespace {
  readonly nodes = new Map<number, Node>([
    [ROOT, { id: ROOT, parent: 0, name: '', isDir: true, version: 0, size: 0, epoch: 0, history: [] }],
  ]);
  /** Moves of a directory that had something below it: what the property is about. */
  movesWithDescendants = 0;
  private nextId = 100;
  private clock = 0;

  constructor(private readonly random: () => number) {}

  pathOf(id: number): string {
    if (id === ROOT) return '/';
    const node = this.nodes.get(id)!;
    const parent = this.pathOf(node.parent);
    return parent === '/' ? `/${node.name}` : `${parent}/${node.name}`;
  }

  /** Root first, the parent last; none for the root. */
  ancestorIds(id: number): number[] {
    const out: number[] = [];
    for (let p = this.nodes.get(id)!.parent; p !== 0; p = this.nodes.get(p)!.parent) out.unshift(p);
    return out;
  }

  doc(id: number): InodeDoc {
    const n = this.nodes.get(id)!;
    const ancestorIds = this.ancestorIds(id);
    return {
      inodeId: id,
      parentId: n.parent,
      name: n.name,
      path: this.pathOf(id),
      ancestorIds,
      isDir: n.isDir,
      size: n.size,
      owner: 'u',
      group: 'g',
      permission: n.isDir ? 0o755 : 0o644,
      mtimeMs: 1_700_000_000_000 + n.version,
      logicalTime: n.version,
      xattrs: {},
      lastOperation: 'X',
      lastAppId: null,
      lastCommitTsMs: 1_700_000_000_000 + n.version,
      pathEpoch: n.epoch,
    };
  }

  /** The documents the index must hold: every live inode but the root. */
  expected(): InodeSource[] {
    return [...this.nodes.keys()]
      .filter((id) => id !== ROOT)
      .sort((a, b) => a - b)
      .map((id) => buildInodeSource(this.doc(id)));
  }

  /** One random operation, applied to the tree; undefined when the one drawn cannot be done. */
  step(epoch: number): Step | undefined {
    const r = this.random();
    if (r < 0.3 || this.nodes.size < 8) return this.create(epoch);
    if (r < 0.45) return this.update(epoch);
    if (r < 0.55) return this.remove(epoch);
    if (r < 0.85) return this.move(epoch);
    return this.moveBack(epoch);
  }

  private pick<T>(items: T[]): T | undefined {
    return items.length === 0 ? undefined : items[Math.floor(this.random() * items.length)];
  }

  private dirs(): Node[] {
    return [...this.nodes.values()].filter((n) => n.isDir);
  }

  private touch(node: Node, epoch: number): void {
    node.version = ++this.clock;
    node.epoch = epoch;
  }

  private free(parent: number, name: string): boolean {
    for (const n of this.nodes.values()) if (n.parent === parent && n.name === name) return false;
    return true;
  }

  private inSubtree(id: number, dir: number): boolean {
    return id === dir || this.ancestorIds(id).includes(dir);
  }

  private create(epoch: number): Step {
    const parent = this.pick(this.dirs())!;
    const id = this.nextId++;
    const isDir = this.random() < 0.4;
    const node: Node = {
      id,
      parent: parent.id,
      name: `${isDir ? 'd' : 'f'}${id}`,
      isDir,
      version: 0,
      size: Math.floor(this.random() * 1000),
      epoch,
      history: [],
    };
    this.nodes.set(id, node);
    this.touch(node, epoch);
    return { kind: 'write', id };
  }

  private update(epoch: number): Step | undefined {
    const node = this.pick([...this.nodes.values()].filter((n) => n.id !== ROOT));
    if (!node) return undefined;
    node.size = Math.floor(this.random() * 1000);
    this.touch(node, epoch);
    return { kind: 'write', id: node.id };
  }

  /** A subtree goes, deepest first, each inode with its own delete. */
  private remove(epoch: number): Step | undefined {
    const top = this.pick([...this.nodes.values()].filter((n) => n.id !== ROOT));
    if (!top) return undefined;
    const ids = [...this.nodes.keys()]
      .filter((id) => this.inSubtree(id, top.id))
      .sort((a, b) => this.ancestorIds(b).length - this.ancestorIds(a).length);
    const deletes = ids.map((id) => {
      const node = this.nodes.get(id)!;
      this.touch(node, epoch);
      this.nodes.delete(id);
      return { id, version: node.version };
    });
    return { kind: 'delete', deletes };
  }

  private move(epoch: number): Step | undefined {
    const dir = this.pick(this.dirs().filter((n) => n.id !== ROOT));
    if (!dir) return undefined;
    const target = this.pick(this.dirs().filter((n) => !this.inSubtree(n.id, dir.id)));
    if (!target) return undefined;
    // Sometimes only a rename, sometimes a move under another name.
    const name = this.random() < 0.5 ? dir.name : `${dir.name.split('~')[0]}~${this.clock}`;
    return this.relocate(dir, target.id, name, epoch);
  }

  private moveBack(epoch: number): Step | undefined {
    const dir = this.pick(this.dirs().filter((n) => n.history.length > 0));
    if (!dir) return undefined;
    const back = dir.history[dir.history.length - 1]!;
    if (!this.nodes.has(back.parent) || this.inSubtree(back.parent, dir.id)) return undefined;
    const step = this.relocate(dir, back.parent, back.name, epoch);
    if (step) dir.history.splice(-2); // the move there and this one back
    return step;
  }

  private relocate(dir: Node, parent: number, name: string, epoch: number): Step | undefined {
    if ((parent === dir.parent && name === dir.name) || !this.free(parent, name)) return undefined;
    const oldPath = this.pathOf(dir.id);
    if ([...this.nodes.values()].some((n) => n.parent === dir.id)) this.movesWithDescendants++;
    dir.history.push({ parent: dir.parent, name: dir.name });
    dir.parent = parent;
    dir.name = name;
    this.touch(dir, epoch);
    const move: MoveChange = {
      kind: 'move',
      dirInodeId: dir.id,
      oldPath,
      newPath: this.pathOf(dir.id),
      newAncestorIds: this.ancestorIds(dir.id),
      epoch,
    };
    return { kind: 'move', move, dir: dir.id };
  }
}

/** One change per operation, in order, each document as it reads at that moment. */
function inOrder(ns: Namespace, random: () => number, ops: number, epoch: () => number): InodeChange[] {
  const changes: InodeChange[] = [];
  for (let i = 0; i < ops; i++) {
    const step = ns.step(epoch());
    if (!step) continue;
    if (step.kind === 'write') changes.push({ kind: 'upsert', doc: ns.doc(step.id) });
    else if (step.kind === 'delete') {
      for (const d of step.deletes) changes.push({ kind: 'delete', inodeId: d.id, logicalTime: d.version });
    } else {
      // The moved directory's own document is the caller's to write, before or after the move.
      const own: InodeChange = { kind: 'upsert', doc: ns.doc(step.dir) };
      changes.push(...(random() < 0.5 ? [step.move, own] : [own, step.move]));
    }
  }
  return changes;
}

/** As the pipeline sends a batch: deletes and final documents first, then the moves in order. */
function asPipeline(ns: Namespace, ops: number, epoch: () => number): InodeChange[] {
  const deletes = new Map<number, number>();
  const touched = new Set<number>();
  const moves: MoveChange[] = [];
  for (let i = 0; i < ops; i++) {
    const step = ns.step(epoch());
    if (!step) continue;
    if (step.kind === 'write') touched.add(step.id);
    else if (step.kind === 'delete') {
      for (const d of step.deletes) deletes.set(d.id, d.version);
    } else {
      moves.push(step.move);
      touched.add(step.dir);
    }
  }
  const changes: InodeChange[] = [];
  for (const [inodeId, logicalTime] of deletes) changes.push({ kind: 'delete', inodeId, logicalTime });
  for (const id of touched) if (ns.nodes.has(id)) changes.push({ kind: 'upsert', doc: ns.doc(id) });
  changes.push(...moves);
  return changes;
}

/** path_epoch says which epoch a path was written in; the model does not track rewrites. */
function withoutEpoch(docs: InodeSource[]): Omit<InodeSource, 'path_epoch'>[] {
  return docs.map(({ path_epoch: _, ...rest }) => rest);
}

const sinks: ElasticSink[] = [];

afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  for (const seed of SEEDS)
    await client.indices.delete({ index: versionedIndexName(`${prefix}_${seed}`, 1) }, { ignore: [404] });
  for (const seed of SEEDS)
    await client.indices.deleteIndexTemplate(
      { name: indexTemplateName(`${prefix}_${seed}`) },
      { ignore: [404] },
    );
  await client.close();
});

describe.each(SEEDS)('seed %i', (seed) => {
  it('ends with the index equal to the namespace', async () => {
    const random = prng(seed);
    const name = `${prefix}_${seed}`;
    // Small bulks and pages, so moved subtrees span several pages and requests.
    const config: ElasticSinkConfig = {
      url: env.elasticUrl,
      index: name,
      requestTimeoutMs: 30_000,
      maxRetries: 3,
      bulkMaxBytes: 64 * 1024,
      bulkMaxDocs: 3 + Math.floor(random() * 20),
      concurrency: 2,
      refreshInterval: '1s',
      replicas: 0,
    };
    const sink = createElasticSink(config, { logger: silentLogger() });
    sinks.push(sink);
    await sink.start();
    const ns = new Namespace(random);
    let epoch = 0;
    let done = 0;
    let call = 0;
    while (done < OPERATIONS) {
      const ops = 1 + Math.floor(random() * 14);
      done += ops;
      call++;
      const changes =
        random() < 0.5 ? inOrder(ns, random, ops, () => ++epoch) : asPipeline(ns, ops, () => ++epoch);
      expect((await sink.apply(changes)).rejected).toEqual([]);
      if (call % 8 === 0) {
        expect({ call, docs: withoutEpoch(await indexedIn(name)) }).toEqual({
          call,
          docs: withoutEpoch(ns.expected()),
        });
      }
    }
    expect(withoutEpoch(await indexedIn(name))).toEqual(withoutEpoch(ns.expected()));
    // The run moved directories with documents below them, or it proved little.
    expect(ns.movesWithDescendants).toBeGreaterThan(20);
  });
});

/** Every document of the index, as a search sees it after a refresh. */
async function indexedIn(name: string): Promise<InodeSource[]> {
  await client.indices.refresh({ index: name });
  const res = await client.search<InodeSource>({
    index: name,
    size: 10_000,
    sort: [{ inode_id: 'asc' }],
  });
  return res.hits.hits.map((h) => h._source!);
}
