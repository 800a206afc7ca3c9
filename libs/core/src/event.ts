import type { OperationName } from './operation';

export const FILE_EVENT_SCHEMA = 'epipe.file-event';
export const FILE_EVENT_SCHEMA_VERSION = 1;

/**
 * Stable identity of an event: the source's name plus the log row id. Replays of the same row
 * produce the same id, so subscribers can deduplicate.
 */
export class EventId {
  constructor(
    readonly source: string,
    readonly logId: number,
  ) {}

  toString(): string {
    return `${this.source}/${this.logId}`;
  }
}

export interface ExecutionContext {
  appId: string;
  /** Job names are unique only within a project: jobId, or jobProject with jobName, names it. */
  jobId: number | null;
  jobName: string | null;
  jobProject: string | null;
  jobExecutionId: number | null;
  pipelineName: string | null;
  pipelineRunId: number | null;
  pipelineRun: string | null;
}

/** An execution context of which nothing is known: no app, no job, no pipeline. */
export const NO_CONTEXT: { readonly [K in keyof ExecutionContext]: null } = Object.freeze({
  appId: null,
  jobId: null,
  jobName: null,
  jobProject: null,
  jobExecutionId: null,
  pipelineName: null,
  pipelineRunId: null,
  pipelineRun: null,
});

/** The context of an app that runs no job known to the metadata database: only its id. */
export function appOnlyContext(appId: string): ExecutionContext {
  return { ...NO_CONTEXT, appId };
}

export interface NamedRef {
  id: number;
  name: string | null;
}

/** The event published to Kafka; its JSON Schema lives in schemas/file-event.schema.json. */
export interface FileEvent {
  schema: typeof FILE_EVENT_SCHEMA;
  schemaVersion: typeof FILE_EVENT_SCHEMA_VERSION;
  eventId: string;
  epoch: number;
  /** Position within the epoch (0-based), after per-inode reordering. */
  seq: number;
  logId: number;
  inodeId: number;
  parentId: number;
  logicalTime: number;
  operation: OperationName;
  isDir: boolean;
  name: string;
  /** Path at the time of the operation, or null when an ancestor is unknown. */
  path: string | null;
  /** For RENAME: the path before the move, when it was known. */
  oldPath: string | null;
  project: NamedRef | null;
  dataset: NamedRef | null;
  user: NamedRef;
  xattrName: string | null;
  app: ExecutionContext | null;
  commitTsMs: number;
}

/** Current state of an inode as the metadata database holds it: what the search index shows. */
export interface InodeState {
  inodeId: number;
  parentId: number;
  name: string;
  isDir: boolean;
  size: number;
  owner: string | null;
  group: string | null;
  permission: number;
  mtimeMs: number;
  logicalTime: number;
  xattrs: Record<string, string>;
  /** Xattrs left out of `xattrs` because their value is over the size limit: name -> bytes. */
  oversizedXattrs?: Record<string, number>;
}

/** A row that will not be delivered, with the reason, for the dead-letter topic. */
export interface DeadLetter {
  logId: number | undefined;
  inodeId: number | undefined;
  stage: 'parse' | 'enrich' | 'kafka' | 'elasticsearch';
  reason: string;
  row: unknown;
  epoch: number;
}
