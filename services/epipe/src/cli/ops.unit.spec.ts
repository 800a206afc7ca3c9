import { Operation } from '@epipe/core';
import type { DeadLetterRecordValue } from '@epipe/sink-kafka';
import { replayColumns } from './dlq-replay';
import { dispatch } from './index';
import { memoryIo } from './io';

const letter = (stage: DeadLetterRecordValue['stage'], row: unknown): DeadLetterRecordValue => ({
  schema: 'epipe.dead-letter',
  schemaVersion: 1,
  source: 'db',
  failedAtMs: 0,
  logId: 9,
  inodeId: 5,
  stage,
  reason: 'r',
  epoch: 1,
  row,
});

describe('replayColumns', () => {
  it('takes a parse letter’s raw row as it was, log id aside, Buffers decoded', () => {
    const raw = {
      log_id: 9,
      inode_id: 5,
      parent_id: 2,
      inode_name: { type: 'Buffer', base64: Buffer.from('a.csv').toString('base64') },
      is_dir: 0,
      project_id: null,
      dataset_id: null,
      operation: 99,
      logical_time: 3,
      app_id: null,
      user_id: 1,
      xattr_name: null,
      commit_ts_ms: 1700,
    };
    const columns = replayColumns(letter('parse', raw));
    expect(columns).toMatchObject({ inode_id: 5, operation: 99, logical_time: 3, commit_ts_ms: 1700 });
    expect('log_id' in columns).toBe(false);
    expect((columns as { inode_name: Buffer }).inode_name.toString()).toBe('a.csv');
  });

  it('turns an enrich or kafka letter’s event back into the row it came from', () => {
    const event = {
      logId: 9,
      inodeId: 5,
      parentId: 2,
      name: 'a.csv',
      isDir: false,
      project: { id: 4, name: 'p' },
      dataset: null,
      operation: 'XATTR_ADD',
      logicalTime: 3,
      app: { appId: 'application_1_0001' },
      user: { id: 7, name: 'alice' },
      xattrName: 'tag',
      commitTsMs: 1700,
    };
    expect(replayColumns(letter('kafka', event))).toEqual({
      inode_id: 5,
      parent_id: 2,
      inode_name: 'a.csv',
      is_dir: 0,
      project_id: 4,
      dataset_id: null,
      operation: Operation.XATTR_ADD,
      logical_time: 3,
      app_id: 'application_1_0001',
      user_id: 7,
      xattr_name: 'tag',
      commit_ts_ms: 1700,
    });
  });

  it('sends a refused search document to reindex, and a letter without its row nowhere', () => {
    expect(replayColumns(letter('elasticsearch', { kind: 'upsert' }))).toEqual({
      cannot: expect.stringMatching(/epipe reindex/),
    });
    expect(replayColumns(letter('enrich', null))).toEqual({ cannot: expect.stringMatching(/no row/) });
  });
});

describe('epipe dlq usage', () => {
  it.each([[[]], [['drop']], [['show']], [['show', 'x']], [['replay']], [['list', '3']]])(
    'refuses %j with exit 2',
    async (args) => {
      const io = memoryIo();
      expect(await dispatch(['dlq', ...args], io)).toBe(2);
      expect(io.stderr).toMatch(/usage: epipe dlq list/);
    },
  );
});

describe('epipe reindex usage', () => {
  it('refuses a page size out of range with exit 2', async () => {
    const io = memoryIo();
    expect(await dispatch(['reindex', '--page-size', '0'], io)).toBe(2);
    expect(io.stderr).toMatch(/--page-size must be an integer/);
  });

  it('refuses to run with operation rules, saying why a copy of the state cannot apply them', async () => {
    const io = memoryIo({ EPIPE_FILTER_OPERATIONS: 'CREATE,DELETE' });
    expect(await dispatch(['reindex'], io)).toBe(2);
    expect(io.stderr).toMatch(
      /^epipe: filter\.operations is set \(CREATE, DELETE\): .*the database keeps only the state/,
    );
  });
});
