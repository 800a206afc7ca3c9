import type { Batch, LogRow, OperationName } from '@epipe/core';
import { MemoryMetadataReader } from '../memory-reader';

// Log rows, batches and a small namespace for the enricher's unit tests.

let logId = 0;
/** A log row with the next log id; `extra` overrides the defaults (a file of user 1, time 1). */
export function row(
  op: OperationName,
  inodeId: number,
  parentId: number,
  name: string,
  extra: Partial<LogRow> = {},
): LogRow {
  return {
    logId: ++logId,
    inodeId,
    parentId,
    name,
    isDir: false,
    projectId: null,
    datasetId: null,
    operation: op,
    logicalTime: 1,
    appId: null,
    userId: 1,
    xattrName: null,
    commitTsMs: 1000,
    ...extra,
  };
}

/** A batch of epoch 7. */
export function batch(rows: LogRow[], part = 0): Batch {
  return { epoch: 7, part, last: true, rows, poison: [], bytes: 0, transactions: 1, closedAtMs: 0 };
}

/** / (1) -> Projects (2) -> p (3) -> data (4); user 1 is alice, project 5 is p, app 1_0001 a job in a pipeline run. */
export function world(): MemoryMetadataReader {
  const db = new MemoryMetadataReader();
  db.addInode({ inodeId: 1, parentId: 0, name: '', isDir: true });
  db.addInode({ inodeId: 2, parentId: 1, name: 'Projects', isDir: true });
  db.addInode({ inodeId: 3, parentId: 2, name: 'p', isDir: true });
  db.addInode({ inodeId: 4, parentId: 3, name: 'data', isDir: true });
  db.users.set(1, 'alice');
  db.projects.set(5, 'p');
  db.apps.set('application_1_0001', {
    appId: 'application_1_0001',
    jobName: 'train',
    jobId: 7,
    jobProject: 'p',
    jobExecutionId: 3,
    pipelineRunId: 2,
    pipelineName: 'daily',
    pipelineRun: 'r1',
  });
  return db;
}
