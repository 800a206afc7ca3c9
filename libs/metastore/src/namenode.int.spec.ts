import { EpipeError, Operation } from '@epipe/core';
import type { RowDataPacket } from 'mysql2/promise';
import {
  createTestDatabase,
  LogTail,
  snapshotTables,
  type FsLogRow,
  type TestDatabase,
} from '../../../test/support/db';
import type { NameNode } from './namenode';

let db: TestDatabase;
let nn: NameNode;
let tail: LogTail;
const alice = { user: 'alice' };

async function refused(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EpipeError);
  expect((err as EpipeError).code).toBe('INVALID_OPERATION');
  expect((err as EpipeError).message).toMatch(message);
}

async function row(sql: string, params: unknown[] = []): Promise<RowDataPacket | undefined> {
  const [rows] = await db.pool.query<RowDataPacket[]>(sql, params);
  return rows[0];
}

async function userId(name: string): Promise<number> {
  return Number((await row('SELECT id FROM fs_users WHERE name = ?', [name]))!.id);
}

/** The full column set of one log row, minus log_id and commit_ts_ms (checked separately). */
function logOf(r: FsLogRow): Omit<FsLogRow, 'log_id' | 'commit_ts_ms' | 'tx_id'> {
  const { log_id: _id, commit_ts_ms: _ts, tx_id: _tx, ...rest } = r;
  return rest;
}

let project: { id: number; inodeId: number };
let dataset: { id: number; inodeId: number };

beforeAll(async () => {
  db = await createTestDatabase('t_nn');
  nn = db.nameNode;
  tail = new LogTail(db.pool);
});

afterAll(async () => {
  await db.drop();
});

describe('projects and datasets', () => {
  it('createProject makes /Projects and the project directory with CREATE rows', async () => {
    const before = Date.now();
    project = await nn.createProject('demo', 'alice');
    const rows = await tail.next();
    const projectsDir = await nn.stat('/Projects');
    const hdfs = await userId('hdfs');
    expect(rows.map(logOf)).toEqual([
      {
        inode_id: projectsDir!.id,
        parent_id: 1,
        inode_name: 'Projects',
        is_dir: 1,
        project_id: null,
        dataset_id: null,
        operation: Operation.CREATE,
        logical_time: 1,
        app_id: null,
        user_id: hdfs,
        xattr_name: null,
      },
      {
        inode_id: project.inodeId,
        parent_id: projectsDir!.id,
        inode_name: 'demo',
        is_dir: 1,
        project_id: project.id,
        dataset_id: null,
        operation: Operation.CREATE,
        logical_time: 1,
        app_id: null,
        user_id: await userId('alice'),
        xattr_name: null,
      },
    ]);
    for (const r of rows) {
      expect(Number(r.commit_ts_ms)).toBeGreaterThanOrEqual(before);
      expect(Number(r.commit_ts_ms)).toBeLessThanOrEqual(Date.now());
    }
    const stat = await nn.stat('/Projects/demo');
    expect(stat).toMatchObject({
      owner: 'alice',
      group: 'demo',
      isDir: true,
      logicalTime: 1,
      permission: 0o770,
    });
    expect(await row('SELECT name, inode_id FROM projects WHERE id = ?', [project.id])).toEqual({
      name: 'demo',
      inode_id: project.inodeId,
    });
  });

  it('a second project reuses /Projects', async () => {
    const other = await nn.createProject('other', 'bob');
    const rows = await tail.next();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ inode_id: other.inodeId, project_id: other.id, inode_name: 'other' });
    await refused(nn.createProject('other', 'bob'), /already exists/);
  });

  it('createDataset makes the directory and its datasets row', async () => {
    dataset = await nn.createDataset('demo', 'Resources', alice);
    const rows = await tail.next();
    expect(rows.map(logOf)).toEqual([
      {
        inode_id: dataset.inodeId,
        parent_id: project.inodeId,
        inode_name: 'Resources',
        is_dir: 1,
        project_id: project.id,
        dataset_id: dataset.id,
        operation: Operation.CREATE,
        logical_time: 1,
        app_id: null,
        user_id: await userId('alice'),
        xattr_name: null,
      },
    ]);
    expect(await row('SELECT project_id, name, inode_id FROM datasets WHERE id = ?', [dataset.id])).toEqual({
      project_id: project.id,
      name: 'Resources',
      inode_id: dataset.inodeId,
    });
    await refused(nn.createDataset('nope', 'Resources', alice), /project nope does not exist/);
    await refused(nn.createDataset('demo', 'Resources', alice), /already exists/);
  });

  it('mkdir -p below a project registers the dataset and tags every row with it', async () => {
    const made = await nn.mkdir('/Projects/demo/Models/mnist/1', alice, { parents: true });
    const rows = await tail.next();
    const ds = await row("SELECT id, inode_id FROM datasets WHERE name = 'Models'");
    expect(rows.map((r) => [r.inode_name, r.project_id, r.dataset_id, r.logical_time, r.operation])).toEqual([
      ['Models', project.id, ds!.id, 1, Operation.CREATE],
      ['mnist', project.id, ds!.id, 1, Operation.CREATE],
      ['1', project.id, ds!.id, 1, Operation.CREATE],
    ]);
    // Parents are created top-down, each the parent of the next.
    expect(rows[0]!.parent_id).toBe(project.inodeId);
    expect(rows[1]!.parent_id).toBe(rows[0]!.inode_id);
    expect(rows[2]!.parent_id).toBe(rows[1]!.inode_id);
    expect(made.inodeId).toBe(rows[2]!.inode_id);
    // mkdir -p of an existing directory is a no-op.
    await nn.mkdir('/Projects/demo/Models/mnist', alice, { parents: true });
    expect(await tail.next()).toEqual([]);
  });

  it('refuses project directories made by hand', async () => {
    await refused(nn.mkdir('/Projects/rogue', alice), /createProject/);
    await refused(nn.mkdir('/Projects/rogue/x', alice, { parents: true }), /createProject/);
    await refused(nn.create('/Projects/rogue', alice), /createProject/);
  });
});

describe('transaction ids', () => {
  it('gives every row of one transaction the same id, and the next transaction another', async () => {
    await nn.mkdir('/Projects/demo/Resources/tx', alice);
    await nn.create('/Projects/demo/Resources/tx/a', alice);
    await nn.create('/Projects/demo/Resources/tx/b', alice);
    await tail.next();
    await nn.delete('/Projects/demo/Resources/tx', alice, { recursive: true });
    const deleted = await tail.next();
    expect(deleted.length).toBe(3);
    expect(new Set(deleted.map((r) => r.tx_id)).size).toBe(1);
    expect(deleted[0]!.tx_id).toBeGreaterThan(0);
    await nn.mkdir('/Projects/demo/Resources/tx2', alice);
    const next = await tail.next();
    expect(next[0]!.tx_id).not.toBe(deleted[0]!.tx_id);
  });
});

describe('file operations', () => {
  const file = '/Projects/demo/Resources/data.csv';
  let fileId: number;

  it('create logs one CREATE with the app id and size', async () => {
    const exec = await nn.startJobExecution(await nn.createJob('demo', 'ingest'), { user: 'alice' });
    await nn.registerApp('application_1700000000000_0042', exec, 'alice');
    const ctx = { user: 'alice', appId: 'application_1700000000000_0042' };
    const res = await nn.create(file, ctx, { size: 100 });
    fileId = res.inodeId;
    expect(res).toEqual({ inodeId: fileId, parentId: dataset.inodeId, logicalTime: 1 });
    const rows = await tail.next();
    expect(rows.map(logOf)).toEqual([
      {
        inode_id: fileId,
        parent_id: dataset.inodeId,
        inode_name: 'data.csv',
        is_dir: 0,
        project_id: project.id,
        dataset_id: dataset.id,
        operation: Operation.CREATE,
        logical_time: 1,
        app_id: 'application_1700000000000_0042',
        user_id: await userId('alice'),
        xattr_name: null,
      },
    ]);
    expect(await nn.stat(file)).toMatchObject({ size: 100, isDir: false, permission: 0o644, group: 'demo' });
  });

  it('append, truncate and chmod bump logical_time and mtime, one row each', async () => {
    const mtime0 = (await nn.stat(file))!.mtimeMs;
    await new Promise((r) => setTimeout(r, 5));
    expect((await nn.append(file, 50, alice)).logicalTime).toBe(2);
    expect((await nn.truncate(file, 20, alice)).logicalTime).toBe(3);
    expect((await nn.chmod(file, 0o600, alice)).logicalTime).toBe(4);
    const rows = await tail.next();
    expect(rows.map((r) => [r.inode_id, r.operation, r.logical_time, r.parent_id, r.dataset_id])).toEqual([
      [fileId, Operation.APPEND, 2, dataset.inodeId, dataset.id],
      [fileId, Operation.TRUNCATE, 3, dataset.inodeId, dataset.id],
      [fileId, Operation.PERMISSION, 4, dataset.inodeId, dataset.id],
    ]);
    const stat = (await nn.stat(file))!;
    expect(stat).toMatchObject({ size: 20, permission: 0o600, logicalTime: 4 });
    expect(stat.mtimeMs).toBeGreaterThan(mtime0);
  });

  it('read logs ACCESS at the current logical_time and changes nothing', async () => {
    const before = await nn.stat(file);
    expect(await nn.read(file, alice)).toEqual({
      inodeId: fileId,
      parentId: dataset.inodeId,
      logicalTime: 4,
      size: 20,
    });
    await nn.read(file, alice);
    const rows = await tail.next();
    expect(rows.map((r) => [r.inode_id, r.operation, r.logical_time])).toEqual([
      [fileId, Operation.ACCESS, 4],
      [fileId, Operation.ACCESS, 4],
    ]);
    expect(await nn.stat(file)).toEqual(before);
  });

  it('xattrs: ADD, UPDATE, DELETE with the xattr name', async () => {
    await nn.setXattr(file, 'tag', 'v1', alice);
    await nn.setXattr(file, 'tag', 'v2', alice);
    await nn.setXattr(file, 'tag', 'p', alice, { namespace: 'provenance' });
    await nn.removeXattr(file, 'tag', alice);
    const rows = await tail.next();
    expect(rows.map((r) => [r.operation, r.logical_time, r.xattr_name, r.inode_id])).toEqual([
      [Operation.XATTR_ADD, 5, 'tag', fileId],
      [Operation.XATTR_UPDATE, 6, 'tag', fileId],
      [Operation.XATTR_ADD, 7, 'tag', fileId],
      [Operation.XATTR_DELETE, 8, 'tag', fileId],
    ]);
    expect(await nn.getXattrs(file)).toEqual([
      { namespace: 'provenance', name: 'tag', value: Buffer.from('p') },
    ]);
    await refused(nn.removeXattr(file, 'tag', alice), /no xattr/);
    await refused(nn.setXattr(file, 'big', 'x'.repeat(13501), alice), /13500/);
    await nn.setXattr(file, 'max', Buffer.alloc(13500, 1), alice);
    expect((await tail.next()).map((r) => r.operation)).toEqual([Operation.XATTR_ADD]);
  });

  it('rename logs one RENAME with the new parent and name, for the moved inode only', async () => {
    await nn.mkdir('/Projects/demo/Resources/a/b', alice, { parents: true });
    await nn.create('/Projects/demo/Resources/a/b/f', alice);
    const other = await nn.createDataset('demo', 'Other', alice);
    await tail.next();
    const a = (await nn.stat('/Projects/demo/Resources/a'))!;
    const res = await nn.rename('/Projects/demo/Resources/a', '/Projects/demo/Other/a2', alice);
    expect(res).toEqual({ inodeId: a.id, parentId: other.inodeId, logicalTime: 2 });
    const rows = await tail.next();
    expect(rows.map(logOf)).toEqual([
      {
        inode_id: a.id,
        parent_id: other.inodeId,
        inode_name: 'a2',
        is_dir: 1,
        project_id: project.id,
        dataset_id: other.id,
        operation: Operation.RENAME,
        logical_time: 2,
        app_id: null,
        user_id: await userId('alice'),
        xattr_name: null,
      },
    ]);
    expect(await nn.stat('/Projects/demo/Other/a2/b/f')).toMatchObject({ logicalTime: 1 });
    expect(await nn.stat('/Projects/demo/Resources/a')).toBeNull();
    // Outside projects the ids are null.
    await nn.mkdir('/tmp', alice);
    await nn.rename('/Projects/demo/Other/a2/b/f', '/tmp/f', alice);
    const [moved] = await tail.next().then((r) => r.slice(-1));
    expect(moved).toMatchObject({
      inode_name: 'f',
      project_id: null,
      dataset_id: null,
      operation: Operation.RENAME,
    });
  });

  it('rename refuses cycles, existing names and the project layout', async () => {
    await nn.mkdir('/m/n/o', alice, { parents: true });
    await nn.create('/m/file', alice);
    await tail.next();
    const before = await snapshotTables(db.pool);
    await refused(nn.rename('/m', '/m/n/o/m', alice), /own subtree/);
    await refused(nn.rename('/m/n', '/m/file', alice), /already exists/);
    await refused(nn.rename('/m/file', '/nowhere/file', alice), /does not exist/);
    await refused(nn.rename('/m/file/x', '/m/y', alice), /not a directory/);
    await refused(nn.rename('/m/missing', '/m/y', alice), /no such file/);
    await refused(nn.rename('/m/n', '/Projects/demo/n', alice), /dataset/);
    await refused(nn.rename('/Projects/demo/Other', '/m/Other', alice), /dataset/);
    await refused(nn.rename('/Projects/demo', '/m/demo', alice), /project/);
    await refused(nn.rename('/', '/x', alice), /root/);
    expect(await snapshotTables(db.pool)).toEqual(before);
  });

  it('delete of a file logs DELETE at the next logical_time and drops its xattrs', async () => {
    const f = await nn.create('/m/n/victim', alice);
    await nn.setXattr('/m/n/victim', 'k', 'v', alice);
    await tail.next();
    const res = await nn.delete('/m/n/victim', alice);
    expect(res).toMatchObject({ inodeId: f.inodeId, logicalTime: 3, deleted: 1 });
    const rows = await tail.next();
    expect(rows.map((r) => [r.inode_id, r.operation, r.logical_time, r.inode_name, r.is_dir])).toEqual([
      [f.inodeId, Operation.DELETE, 3, 'victim', 0],
    ]);
    expect(await row('SELECT COUNT(*) AS n FROM xattrs WHERE inode_id = ?', [f.inodeId])).toEqual({ n: 0 });
    expect(await nn.stat('/m/n/victim')).toBeNull();
  });

  it('recursive delete logs every inode deepest first, each with its own next logical_time', async () => {
    await nn.mkdir('/r/a/b/c', alice, { parents: true });
    await nn.create('/r/a/b/c/f1', alice);
    await nn.create('/r/a/f2', alice);
    await nn.mkdir('/r/d', alice);
    await nn.append('/r/a/f2', 1, alice);
    await nn.setXattr('/r/a/b', 'x', '1', alice);
    await tail.next();
    const [tree] = await db.pool.query<RowDataPacket[]>(
      "SELECT id, parent_id, logical_time FROM inodes WHERE id >= (SELECT id FROM inodes WHERE name = 'r' AND parent_id = 1)",
    );
    await refused(nn.delete('/r', alice), /not empty/);
    const res = await nn.delete('/r', alice, { recursive: true });
    expect(res.deleted).toBe(tree.length);
    const rows = await tail.next();
    expect(rows).toHaveLength(tree.length);
    const versions = new Map(tree.map((t) => [Number(t.id), Number(t.logical_time)]));
    const position = new Map(rows.map((r, i) => [Number(r.inode_id), i]));
    for (const r of rows) {
      expect(r.operation).toBe(Operation.DELETE);
      expect(r.logical_time).toBe(versions.get(Number(r.inode_id))! + 1);
      // A parent inside the subtree is logged after its child.
      const parentPos = position.get(Number(r.parent_id));
      if (parentPos !== undefined) expect(parentPos).toBeGreaterThan(position.get(Number(r.inode_id))!);
    }
    expect(rows[rows.length - 1]!.inode_name).toBe('r');
    expect(new Set(rows.map((r) => r.commit_ts_ms)).size).toBe(1);
    const [left] = await db.pool.query<RowDataPacket[]>('SELECT id FROM inodes WHERE id IN (?)', [
      [...versions.keys()],
    ]);
    expect(left).toEqual([]);
    expect(
      await row('SELECT COUNT(*) AS n FROM xattrs WHERE inode_id IN (?)', [[...versions.keys()]]),
    ).toEqual({ n: 0 });
  });

  it('deleting a dataset directory drops its datasets row; projects cannot be deleted', async () => {
    const ds = await nn.createDataset('demo', 'Scratch', alice);
    await nn.create('/Projects/demo/Scratch/x', alice);
    await tail.next();
    await nn.delete('/Projects/demo/Scratch', alice, { recursive: true });
    const rows = await tail.next();
    expect(rows.map((r) => [r.inode_name, r.dataset_id])).toEqual([
      ['x', ds.id],
      ['Scratch', ds.id],
    ]);
    expect(await row('SELECT id FROM datasets WHERE id = ?', [ds.id])).toBeUndefined();
    await refused(nn.delete('/Projects/demo', alice, { recursive: true }), /projects are not deleted/);
    await refused(nn.delete('/Projects', alice, { recursive: true }), /projects are not deleted/);
  });
});

describe('refusals change nothing', () => {
  beforeAll(async () => {
    await nn.mkdir('/z', alice);
    await nn.create('/z/file', alice);
    await nn.mkdir('/z/dir', alice);
    await nn.create('/z/dir/child', alice);
  });

  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['missing parent', () => nn.create('/z/missing/f', alice), /does not exist/],
    ['missing parent (mkdir)', () => nn.mkdir('/z/missing/d', alice), /does not exist/],
    ['duplicate name', () => nn.create('/z/file', alice), /already exists/],
    ['duplicate dir', () => nn.mkdir('/z/dir', alice), /already exists/],
    ['mkdir -p over a file', () => nn.mkdir('/z/file', alice, { parents: true }), /already exists/],
    ['file as a parent', () => nn.create('/z/file/x', alice), /not a directory/],
    ['name too long', () => nn.create(`/z/${'n'.repeat(256)}`, alice), /255 bytes/],
    ['name with NUL', () => nn.create('/z/a\0b', alice), /NUL/],
    ['empty name', () => nn.create('/z//x', alice), /empty/],
    ['relative path', () => nn.create('z/x', alice), /not absolute/],
    [
      'unknown app id',
      () => nn.create('/z/new', { user: 'alice', appId: 'application_1_1' }),
      /unknown app id/,
    ],
    ['malformed app id', () => nn.create('/z/new', { user: 'alice', appId: "a'b" }), /app id/],
    ['non-empty dir', () => nn.delete('/z/dir', alice), /not empty/],
    ['delete missing', () => nn.delete('/z/nothing', alice), /no such file/],
    ['root: delete', () => nn.delete('/', alice, { recursive: true }), /root/],
    ['root: chmod', () => nn.chmod('/', 0o777, alice), /root/],
    ['root: mkdir', () => nn.mkdir('/', alice), /root/],
    ['root: xattr', () => nn.setXattr('/', 'a', 'b', alice), /root/],
    ['append to dir', () => nn.append('/z/dir', 1, alice), /is a directory/],
    ['truncate dir', () => nn.truncate('/z/dir', 0, alice), /is a directory/],
    ['truncate grows', () => nn.truncate('/z/file', 1, alice), /larger than the file/],
    ['read dir', () => nn.read('/z/dir', alice), /is a directory/],
    ['read missing', () => nn.read('/z/none', alice), /no such file/],
    ['negative append', () => nn.append('/z/file', -1, alice), /non-negative/],
    ['bad permission', () => nn.chmod('/z/file', 0o10000, alice), /0\.\.0o7777/],
    ['bad permission (create)', () => nn.create('/z/p', alice, { permission: -1 }), /0\.\.0o7777/],
    ['empty xattr name', () => nn.setXattr('/z/file', '', 'v', alice), /empty/],
    ['no user', () => nn.create('/z/u', { user: '' }), /user name/],
  ];

  it.each(cases)('%s', async (_label, op, message) => {
    const before = await snapshotTables(db.pool);
    await refused(op(), message);
    expect(await snapshotTables(db.pool)).toEqual(before);
  });
});

describe('paths deeper than one lookup query', () => {
  it('resolves and logs 60 levels down', async () => {
    await tail.next();
    const deep = '/deep/' + Array.from({ length: 59 }, (_, i) => `d${i}`).join('/');
    await nn.mkdir(deep, alice, { parents: true });
    expect(await tail.next().then((r) => r.length)).toBe(60);
    await nn.create(`${deep}/leaf`, alice);
    const res = await nn.read(`${deep}/leaf`, alice);
    await nn.rename(`${deep}/leaf`, '/deep/d0/leaf', alice);
    const rows = await tail.next();
    expect(rows.map((r) => [r.operation, r.inode_id])).toEqual([
      [Operation.CREATE, res.inodeId],
      [Operation.ACCESS, res.inodeId],
      [Operation.RENAME, res.inodeId],
    ]);
    expect((await nn.listDir('/deep/d0')).map((i) => i.name)).toEqual(['d1', 'leaf']);
    await nn.delete('/deep', alice, { recursive: true });
    expect(await tail.next().then((r) => r.length)).toBe(61);
  });
});

describe('execution context', () => {
  it('links apps to executions, jobs and pipeline runs', async () => {
    const pipeline = await nn.createPipeline('demo', 'nightly');
    const run = await nn.startPipelineRun(pipeline, 'scheduled__2024-01-01');
    const job = await nn.createJob('demo', 'train');
    const exec = await nn.startJobExecution(job, { user: 'carol', pipelineRunId: run });
    await nn.registerApp('application_1700000000000_0007', exec, 'carol');
    expect(
      await row(
        `SELECT j.name AS job, p.name AS pipeline, r.run_name AS run FROM applications a
         JOIN job_executions e ON e.id = a.execution_id JOIN jobs j ON j.id = e.job_id
         JOIN pipeline_runs r ON r.id = e.pipeline_run_id JOIN pipelines p ON p.id = r.pipeline_id
         WHERE a.app_id = ?`,
        ['application_1700000000000_0007'],
      ),
    ).toEqual({ job: 'train', pipeline: 'nightly', run: 'scheduled__2024-01-01' });
    await refused(nn.registerApp('application_1700000000000_0007', exec, 'carol'), /already registered/);
    await refused(nn.registerApp('application_1700000000000_0008', 999999, 'carol'), /does not exist/);
    await refused(nn.createJob('nope', 'x'), /project nope does not exist/);
    await refused(nn.createJob('demo', 'train'), /already exists/);
    await refused(nn.startPipelineRun(999999, 'x'), /does not exist/);
    await refused(nn.startJobExecution(999999, { user: 'carol' }), /does not exist/);
    await refused(nn.startJobExecution(job, { user: 'carol', pipelineRunId: 999999 }), /does not exist/);
    await nn.registerApp('application_1700000000000_0009', null, 'carol');
  });
});
