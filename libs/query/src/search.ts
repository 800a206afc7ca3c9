import type { ProvenanceOperationRecord } from '@epipe/core';
import type { FileHit, ProvenanceReader } from './ports';
import { QueryInputError, resolveArtifact, type ArtifactSelector } from './resolve';

export interface SearchQuery {
  text?: string;
  project?: string;
  under?: string;
  xattrs?: Record<string, string>;
  limit: number;
}

/** Live files by name, path words and xattr values, scoped to a project and a folder. */
export async function searchFiles(
  reader: ProvenanceReader,
  query: SearchQuery,
  signal?: AbortSignal,
): Promise<FileHit[]> {
  if (!query.text && !query.project && !query.under && Object.keys(query.xattrs ?? {}).length === 0)
    throw new QueryInputError('say what to search: text, --project, --under or --xattr');
  if (query.under !== undefined && !query.under.startsWith('/'))
    throw new QueryInputError(`--under must be an absolute path, got "${query.under}"`);
  return reader.searchInodes(
    {
      size: query.limit,
      ...(query.text ? { text: query.text } : {}),
      ...(query.project ? { project: query.project } : {}),
      ...(query.under ? { under: query.under } : {}),
      ...(query.xattrs ? { xattrs: query.xattrs } : {}),
    },
    signal,
  );
}

export interface ActivityQuery {
  artifact: ArtifactSelector;
  sinceMs?: number;
  limit: number;
}

export interface ActivityResult {
  artifactId: number;
  operations: ProvenanceOperationRecord[];
}

/** An artifact's operations over time, oldest first. */
export async function activity(
  reader: ProvenanceReader,
  query: ActivityQuery,
  signal?: AbortSignal,
): Promise<ActivityResult> {
  const artifactId = await resolveArtifact(reader, query.artifact, undefined, signal);
  const operations = await reader.operations(
    {
      artifactIds: [artifactId],
      size: query.limit,
      ...(query.sinceMs === undefined ? {} : { sinceMs: query.sinceMs }),
    },
    signal,
  );
  return { artifactId, operations };
}
