import {
  PROVENANCE_EVENT_SCHEMA,
  PROVENANCE_EVENT_SCHEMA_VERSION,
  provenanceEventId,
  type ArtifactState,
  type ProvenanceEvent,
} from '@epipe/core';
import type { Classifier } from './classify';
import { actorOf } from './coalescer';
import type { ProvenanceInput } from './mapping';

/**
 * Whether a rename may move artifacts it does not name: a directory that belongs to no artifact
 * (a container such as `Models/fraud`, a dataset's parent, a project folder). A directory inside
 * an artifact holds only that artifact's files, and an artifact root's own rename is its
 * METADATA(rename), so only these need the artifacts below them looked up.
 */
export function isContainerRename(event: ProvenanceInput, classify: Classifier): boolean {
  if (event.operation !== 'RENAME' || !event.isDir || event.path === null || event.oldPath === null)
    return false;
  return classify(event.path) === null && classify(event.oldPath) === null;
}

/**
 * The METADATA(rename) events of the artifacts below a renamed container directory: each keeps
 * its id, and its name, version, kind and project follow from its new path. An artifact whose
 * new path is no artifact root under the conventions is left as it was. The event id is a
 * function of the rename's row and the artifact, so a replay republishes the same id; an
 * artifact already at its new path (the index was written before a crash) gets it again too.
 */
export function containerRenameEvents(
  event: ProvenanceInput,
  below: readonly Pick<ArtifactState, 'id' | 'path'>[],
  classify: Classifier,
  source: string,
): ProvenanceEvent[] {
  const from = event.oldPath;
  const to = event.path;
  if (from === null || to === null) return [];
  const out: ProvenanceEvent[] = [];
  for (const a of [...below].sort((x, y) => x.id - y.id)) {
    let path: string;
    if (a.path.startsWith(`${from}/`)) path = to + a.path.slice(from.length);
    else if (a.path.startsWith(`${to}/`)) path = a.path;
    else continue;
    const cls = classify(path);
    if (!cls?.isRoot) continue;
    const logIds = [event.logId];
    out.push({
      schema: PROVENANCE_EVENT_SCHEMA,
      schemaVersion: PROVENANCE_EVENT_SCHEMA_VERSION,
      eventId: provenanceEventId(source, { artifactId: a.id, op: 'METADATA', actor: actorOf(event), logIds }),
      artifact: {
        id: a.id,
        kind: cls.kind,
        project: cls.project,
        name: cls.name,
        version: cls.version,
        path,
      },
      op: 'METADATA',
      detail: 'rename',
      count: 1,
      firstCommitTsMs: event.commitTsMs,
      lastCommitTsMs: event.commitTsMs,
      app: event.app,
      user: event.user,
      logIds,
    });
  }
  return out;
}
