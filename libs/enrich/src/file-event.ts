import {
  appOnlyContext,
  EventId,
  FILE_EVENT_SCHEMA,
  FILE_EVENT_SCHEMA_VERSION,
  type FileEvent,
  type LogRow,
} from '@epipe/core';
import type { NameCaches } from './names';
import type { RowPlace } from './old-path';

/** Lookups that found nothing, by field: each leaves a field of an event empty. */
export type Unresolved = Record<'path' | 'project' | 'dataset' | 'user' | 'app', number>;

export function noneUnresolved(): Unresolved {
  return { path: 0, project: 0, dataset: 0, user: 0, app: 0 };
}

/**
 * The published event of one row: its place, and the names and context the caches hold (the
 * batch's prefetch filled them). A name the lookups miss is left empty and counted in
 * `unresolved`; a project or dataset whose row is gone is still named by the path.
 */
export function toFileEvent(
  row: LogRow,
  at: { sourceName: string; epoch: number; seq: number },
  place: RowPlace,
  names: NameCaches,
  unresolved: Unresolved,
): FileEvent {
  const { path, oldPath } = place;
  const fromPath = namesFromPath(path ?? oldPath);
  const project = row.projectId === null ? null : (names.project(row.projectId) ?? fromPath.project);
  const dataset = row.datasetId === null ? null : (names.dataset(row.datasetId) ?? fromPath.dataset);
  const user = names.user(row.userId) ?? null;
  const context = row.appId === null ? null : names.context(row.appId);
  if (path === null) unresolved.path++;
  if (row.projectId !== null && project === null) unresolved.project++;
  if (row.datasetId !== null && dataset === null) unresolved.dataset++;
  if (user === null) unresolved.user++;
  if (row.appId !== null && !context) unresolved.app++;
  return {
    schema: FILE_EVENT_SCHEMA,
    schemaVersion: FILE_EVENT_SCHEMA_VERSION,
    eventId: new EventId(at.sourceName, row.logId).toString(),
    epoch: at.epoch,
    seq: at.seq,
    logId: row.logId,
    inodeId: row.inodeId,
    parentId: row.parentId,
    logicalTime: row.logicalTime,
    operation: row.operation,
    isDir: row.isDir,
    name: row.name,
    path,
    oldPath,
    project: row.projectId === null ? null : { id: row.projectId, name: project },
    dataset: row.datasetId === null ? null : { id: row.datasetId, name: dataset },
    user: { id: row.userId, name: user },
    xattrName: row.xattrName,
    app: row.appId === null ? null : (context ?? appOnlyContext(row.appId)),
    commitTsMs: row.commitTsMs,
  };
}

/**
 * A project is `/Projects/<project>`, a dataset a directory below it: when the projects or
 * datasets row is gone (a deleted dataset's rows still in the log), the path still names them.
 */
export function namesFromPath(path: string | null): { project: string | null; dataset: string | null } {
  const segments = path?.split('/') ?? [];
  if (segments[1] !== 'Projects') return { project: null, dataset: null };
  return { project: segments[2] || null, dataset: segments[3] || null };
}
