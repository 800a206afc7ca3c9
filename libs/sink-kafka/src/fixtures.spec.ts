// Shared by this lib's tests (the .spec.ts suffix keeps it out of the build; jest runs only
// *.unit.spec.ts and *.int.spec.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  FILE_EVENT_SCHEMA,
  FILE_EVENT_SCHEMA_VERSION,
  OPERATION_NAMES,
  type DeadLetter,
  type FileEvent,
} from '@epipe/core';

const SCHEMAS_DIR = path.resolve(__dirname, '../../../schemas');

/** The parts of a schema document the tests look at. */
export interface SchemaDoc {
  required: string[];
  properties: Record<string, { enum?: string[] }>;
  $defs?: Record<string, { properties: Record<string, unknown> }>;
}

export function loadSchema(file: 'file-event.schema.json' | 'dead-letter.schema.json'): SchemaDoc {
  return JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, file), 'utf8')) as SchemaDoc;
}

export function validators(): { fileEvent: ValidateFunction; deadLetter: ValidateFunction } {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return {
    fileEvent: ajv.compile(loadSchema('file-event.schema.json')),
    deadLetter: ajv.compile(loadSchema('dead-letter.schema.json')),
  };
}

/** A realistic event; `i` varies every field that can vary, including the nullable ones. */
export function sampleEvent(i: number, overrides: Partial<FileEvent> = {}): FileEvent {
  const inodeId = 1000 + (i % 37);
  const withContext = i % 3 !== 0;
  return {
    schema: FILE_EVENT_SCHEMA,
    schemaVersion: FILE_EVENT_SCHEMA_VERSION,
    eventId: `testdb/${i + 1}`,
    epoch: 1 + Math.floor(i / 10),
    seq: i % 10,
    logId: i + 1,
    inodeId,
    parentId: 7,
    logicalTime: i + 1,
    operation: OPERATION_NAMES[i % OPERATION_NAMES.length]!,
    isDir: i % 5 === 0,
    name: `file-${inodeId}.csv`,
    path: i % 11 === 10 ? null : `/Projects/demo/Resources/file-${inodeId}.csv`,
    oldPath: i % 4 === 0 ? `/Projects/demo/old/file-${inodeId}.csv` : null,
    project: withContext ? { id: 3, name: 'demo' } : null,
    dataset: withContext ? { id: 4, name: i % 2 ? 'Resources' : null } : null,
    user: { id: 9, name: i % 7 === 0 ? null : 'demo__meb10000' },
    xattrName: i % 6 === 0 ? 'tags' : null,
    app: withContext
      ? {
          appId: 'application_1700000000000_0042',
          jobName: 'train',
          jobId: 7,
          jobProject: 'p',
          jobExecutionId: 12,
          pipelineRunId: 2,
          pipelineName: i % 2 ? 'nightly' : null,
          pipelineRun: i % 2 ? 'nightly__2024-01-01' : null,
        }
      : null,
    commitTsMs: 1_700_000_000_000 + i,
    ...overrides,
  };
}

export function sampleDeadLetter(i: number, overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    logId: i % 4 === 3 ? undefined : 500 + i,
    inodeId: i % 4 === 3 ? undefined : 2000 + i,
    stage: (['parse', 'enrich', 'kafka', 'elasticsearch'] as const)[i % 4]!,
    reason: `column operation: unknown operation code ${99 + i}`,
    row: { log_id: BigInt(500 + i), inode_name: Buffer.from(`name-${i}`), operation: 99 + i },
    epoch: 3,
    ...overrides,
  };
}
