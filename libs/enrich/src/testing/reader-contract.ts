import { appOnlyContext, type InodeState } from '@epipe/core';
import type { Edge, MetadataReader } from '../reader';

/**
 * The write side the contract needs, in name-node terms: the SQL reader's test backs it with the
 * real NameNode on a migrated database, the in-memory reader's with a small model of it. Every
 * operation acts as `user`; paths are absolute.
 */
export interface MetadataWorld {
  readonly reader: MetadataReader;
  createProject(name: string, owner: string): Promise<{ id: number; inodeId: number }>;
  createDataset(project: string, name: string, user: string): Promise<{ id: number; inodeId: number }>;
  mkdir(path: string, user: string): Promise<number>;
  create(path: string, user: string, size: number): Promise<number>;
  setXattr(path: string, name: string, value: string, namespace?: 'user' | 'trusted'): Promise<void>;
  rename(src: string, dst: string): Promise<void>;
  /** Recursive delete. */
  delete(path: string): Promise<void>;
  /** Acknowledges (removes) every log row of these inodes, as epipe does once the sinks have them. */
  acknowledge(inodeIds: number[]): Promise<void>;
  userId(name: string): Promise<number>;
  /** An app run by `user`: of a job execution (in a pipeline run when `run` is given), or of none. */
  registerApp(
    appId: string,
    user: string,
    execution: { project: string; job: string; run?: { pipeline: string; name: string } } | null,
  ): Promise<{ executionId: number | null; jobId: number | null; pipelineRunId: number | null }>;
  close(): Promise<void>;
}

const byId = (a: Edge, b: Edge): number => a.inodeId - b.inodeId;
const USER = 'alice';

/**
 * One contract for every MetadataReader: the same world, written through the name node's
 * operations, must read back the same from each implementation. mtime is the only field a
 * world may choose freely (the real one is the clock at commit).
 */
export function describeMetadataReaderContract(name: string, open: () => Promise<MetadataWorld>): void {
  describe(`MetadataReader contract: ${name}`, () => {
    let world: MetadataWorld;
    let reader: MetadataReader;
    let project: { id: number; inodeId: number };
    let dataset: { id: number; inodeId: number };
    let dir: number;
    let file: number;
    let gone: number;
    let goneChild: number;
    let acked: number;

    beforeAll(async () => {
      world = await open();
      reader = world.reader;
      project = await world.createProject('demo', USER);
      dataset = await world.createDataset('demo', 'ds', USER);
      dir = await world.mkdir('/Projects/demo/ds/dir', USER);
      file = await world.create('/Projects/demo/ds/dir/a.csv', 'bob', 10);
      await world.setXattr('/Projects/demo/ds/dir/a.csv', 'epipe', 'off');
      await world.setXattr('/Projects/demo/ds/dir/a.csv', 'big', 'é'.repeat(60)); // 120 bytes
      await world.setXattr('/Projects/demo/ds/dir/a.csv', 'epipe', 'secret', 'trusted');
      gone = await world.mkdir('/Projects/demo/ds/old', USER);
      goneChild = await world.create('/Projects/demo/ds/old/b.csv', USER, 1);
      await world.rename('/Projects/demo/ds/old/b.csv', '/Projects/demo/ds/old/c.csv');
      await world.delete('/Projects/demo/ds/old');
      acked = await world.create('/Projects/demo/ds/acked.csv', USER, 2);
      await world.delete('/Projects/demo/ds/acked.csv');
      await world.acknowledge([acked]);
    });

    afterAll(async () => {
      await world?.close();
    });

    it('edges: current edges of live inodes only, each once, whatever the order asked', async () => {
      const edges = await reader.edges([file, gone, dir, file, 999_999]);
      expect(edges.sort(byId)).toEqual([
        { inodeId: dir, parentId: dataset.inodeId, name: 'dir', isDir: true },
        { inodeId: file, parentId: dir, name: 'a.csv', isDir: false },
      ]);
      expect(await reader.edges([])).toEqual([]);
    });

    it('loggedEdges: the newest logged row of each inode, gone or not, until acknowledged', async () => {
      const edges = await reader.loggedEdges([goneChild, gone, file, acked, 999_999]);
      expect(edges.sort(byId)).toEqual(
        [
          { inodeId: gone, parentId: dataset.inodeId, name: 'old', isDir: true },
          { inodeId: goneChild, parentId: gone, name: 'c.csv', isDir: false },
          { inodeId: file, parentId: dir, name: 'a.csv', isDir: false },
        ].sort(byId),
      );
      expect(await reader.loggedEdges([])).toEqual([]);
    });

    it('pendingDeletes: inodes with a DELETE row still in the log', async () => {
      expect(await reader.pendingDeletes([gone, goneChild, file, acked, dir])).toEqual(
        new Set([gone, goneChild]),
      );
      expect(await reader.pendingDeletes([])).toEqual(new Set());
    });

    it('states: full state, namespaced xattr keys, values over the limit listed by their byte size', async () => {
      const states = await reader.states([file, dir, gone], 100);
      const sorted = [...states].sort((a, b) => a.inodeId - b.inodeId);
      const withoutMtime = sorted.map(({ mtimeMs, ...rest }) => {
        expect(mtimeMs).toBeGreaterThan(0);
        return rest;
      });
      const expected: Omit<InodeState, 'mtimeMs'>[] = [
        {
          inodeId: dir,
          parentId: dataset.inodeId,
          name: 'dir',
          isDir: true,
          size: 0,
          owner: USER,
          group: 'demo',
          permission: 0o755,
          logicalTime: 1,
          xattrs: {},
        },
        {
          inodeId: file,
          parentId: dir,
          name: 'a.csv',
          isDir: false,
          size: 10,
          owner: 'bob',
          group: 'demo',
          permission: 0o644,
          logicalTime: 4,
          xattrs: { epipe: 'off', 'trusted.epipe': 'secret' },
          oversizedXattrs: { big: 120 },
        },
      ];
      expect(withoutMtime).toEqual(expected);
      const roomy = await reader.states([file], 120);
      expect(roomy[0]!.xattrs).toEqual({ epipe: 'off', big: 'é'.repeat(60), 'trusted.epipe': 'secret' });
      expect(roomy[0]!.oversizedXattrs).toBeUndefined();
      expect(await reader.states([], 100)).toEqual([]);
    });

    it('children: those of several directories in (parent, name) order, paged after a parent and name', async () => {
      const paged = await world.mkdir('/Projects/demo/ds/paged', USER);
      const b = await world.create('/Projects/demo/ds/paged/b', USER, 0);
      const a = await world.mkdir('/Projects/demo/ds/paged/a', USER);
      const other = await world.mkdir('/Projects/demo/ds/other', USER);
      const c = await world.create('/Projects/demo/ds/other/c', USER, 0);
      const edge = (inodeId: number, parentId: number, name: string, isDir: boolean) => ({
        inodeId,
        parentId,
        name,
        isDir,
      });
      // Created after `paged`, so `other` has the higher id and its children come last.
      expect(other).toBeGreaterThan(paged);
      expect(await reader.children([other, paged], null, 1)).toEqual([edge(a, paged, 'a', true)]);
      expect(await reader.children([other, paged], { parentId: paged, name: 'a' }, 5)).toEqual([
        edge(b, paged, 'b', false),
        edge(c, other, 'c', false),
      ]);
      expect(await reader.children([other, paged], { parentId: paged, name: 'b' }, 1)).toEqual([
        edge(c, other, 'c', false),
      ]);
      expect(await reader.children([other, paged], { parentId: other, name: 'c' }, 5)).toEqual([]);
      // A cursor whose parent is not among them starts at the next parent after it.
      expect(await reader.children([other], { parentId: paged, name: 'zz' }, 5)).toEqual([
        edge(c, other, 'c', false),
      ]);
      expect(await reader.children([dir], null, 5)).toEqual([edge(file, dir, 'a.csv', false)]);
      expect(await reader.children([], null, 5)).toEqual([]);
    });

    it('loggedChanges: the newest change of each inode while its row is logged', async () => {
      const changes = await reader.loggedChanges([file, gone, acked, 999_999]);
      expect([...changes.keys()].sort((x, y) => x - y)).toEqual([file, gone].sort((x, y) => x - y));
      const { commitTsMs, ...change } = changes.get(file)!;
      expect(change).toEqual({ logicalTime: 4, operation: 'XATTR_ADD', appId: null });
      expect(commitTsMs).toBeGreaterThan(0);
      expect(changes.get(gone)?.operation).toBe('DELETE');
      expect(await reader.loggedChanges([])).toEqual(new Map());
    });

    it('xattrValues: the value under the key states() shows, whatever its size', async () => {
      expect(await reader.xattrValues('epipe', [file, dir])).toEqual(new Map([[file, 'off']]));
      expect(await reader.xattrValues('trusted.epipe', [file])).toEqual(new Map([[file, 'secret']]));
      expect(await reader.xattrValues('big', [file])).toEqual(new Map([[file, 'é'.repeat(60)]]));
      expect(await reader.xattrValues('epipe', [])).toEqual(new Map());
    });

    it('names: users, projects and datasets by id, unknown ids left out', async () => {
      const alice = await world.userId(USER);
      const bob = await world.userId('bob');
      expect(await reader.userNames([alice, bob, 999_999])).toEqual(
        new Map([
          [alice, USER],
          [bob, 'bob'],
        ]),
      );
      expect(await reader.projectNames([project.id, 999_999])).toEqual(new Map([[project.id, 'demo']]));
      expect(await reader.datasetNames([dataset.id, 999_999])).toEqual(new Map([[dataset.id, 'ds']]));
      expect(await reader.userNames([])).toEqual(new Map());
    });

    it('contexts: app → job execution → job and pipeline run, nulls where there is none', async () => {
      const inRun = await world.registerApp('app_run', USER, {
        project: 'demo',
        job: 'train',
        run: { pipeline: 'nightly', name: 'run-1' },
      });
      const alone = await world.registerApp('app_job', USER, { project: 'demo', job: 'score' });
      await world.registerApp('app_none', USER, null);
      expect(await reader.contexts(['app_run', 'app_job', 'app_none', 'app_unknown'])).toEqual(
        new Map([
          [
            'app_run',
            {
              appId: 'app_run',
              jobId: inRun.jobId,
              jobName: 'train',
              jobProject: 'demo',
              jobExecutionId: inRun.executionId,
              pipelineName: 'nightly',
              pipelineRunId: inRun.pipelineRunId,
              pipelineRun: 'run-1',
            },
          ],
          [
            'app_job',
            {
              appId: 'app_job',
              jobId: alone.jobId,
              jobName: 'score',
              jobProject: 'demo',
              jobExecutionId: alone.executionId,
              pipelineName: null,
              pipelineRunId: null,
              pipelineRun: null,
            },
          ],
          ['app_none', appOnlyContext('app_none')],
        ]),
      );
      expect(await reader.contexts([])).toEqual(new Map());
    });
  });
}
