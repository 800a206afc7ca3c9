import { FILE_EVENT_SCHEMA, FILE_EVENT_SCHEMA_VERSION, type FileEvent } from '@epipe/core';
import type { InodeDoc } from '@epipe/sink-elastic';

const OPS = ['ACCESS', 'CREATE', 'APPEND', 'XATTR_ADD', 'DELETE', 'RENAME'] as const;

/** A file event shaped like the workload's (path depth, context, sizes), for the sink ceilings. */
export function sampleEvent(i: number, source = 'bench'): FileEvent {
  const inodeId = 100_000 + i;
  const name = `part-${i}.parquet`;
  return {
    schema: FILE_EVENT_SCHEMA,
    schemaVersion: FILE_EVENT_SCHEMA_VERSION,
    eventId: `${source}/${i + 1}`,
    epoch: 1 + Math.floor(i / 1000),
    seq: i % 1000,
    logId: i + 1,
    inodeId,
    parentId: 5_000 + (i % 97),
    logicalTime: 1 + (i % 7),
    operation: OPS[i % OPS.length]!,
    isDir: false,
    name,
    path: `/Projects/bench0/bench0_Training_Datasets/w${i % 8}/dir-${i % 97}/${name}`,
    oldPath: null,
    project: { id: 1, name: 'bench0' },
    dataset: { id: 1, name: 'bench0_Training_Datasets' },
    user: { id: 2, name: 'alice' },
    xattrName: null,
    app: {
      appId: 'application_1700000000000_0001',
      jobName: 'feature_engineering',
      jobId: 7,
      jobProject: 'p',
      jobExecutionId: 1,
      pipelineRunId: 2,
      pipelineName: 'daily_refresh',
      pipelineRun: 'run_1700000000000',
    },
    commitTsMs: Date.now(),
  };
}

/** The search document of a distinct inode, with an xattr on every fourth one. */
export function sampleDoc(i: number): InodeDoc {
  const event = sampleEvent(i);
  return {
    inodeId: event.inodeId,
    parentId: event.parentId,
    name: event.name,
    path: event.path!,
    ancestorIds: [1, 2, 3, 4, 5, 4_000 + (i % 8), event.parentId],
    isDir: false,
    size: (i * 7919) % 1_000_000,
    owner: 'alice',
    group: 'bench0',
    permission: 0o644,
    mtimeMs: Date.now(),
    logicalTime: 1,
    xattrs: i % 4 === 0 ? { tag0: JSON.stringify({ owner: 'alice', quality: i % 10, note: `v${i}` }) } : {},
    lastOperation: 'CREATE',
    lastAppId: event.app!.appId,
    lastCommitTsMs: Date.now(),
  };
}
