import { provenanceActor, type ArtifactState, type ProvenanceActor, type ProvenanceEvent } from '@epipe/core';

/** What the stage knows of the artifact's root directory when it writes the artifact document. */
export interface RootSnapshot {
  /** The root's logical_time: the document's external version, so a late write never wins. */
  logicalTime: number;
  /** Ancestor inode ids, root first. */
  ancestorIds: number[];
  xattrs: Record<string, string>;
}

function actorOf(event: ProvenanceEvent): ProvenanceActor {
  return provenanceActor(event.firstCommitTsMs, event.app, event.user.name);
}

/**
 * The artifact document after `event`, or null when the event changes nothing the document
 * holds (reads and mutations of an artifact already known). The whole document is returned:
 * the index takes whole-document writes only. An artifact first seen through a read (it existed
 * before epipe ran) gets a document without `created`.
 */
export function nextArtifactState(
  prev: ArtifactState | null,
  event: ProvenanceEvent,
  root: RootSnapshot,
): ArtifactState | null {
  const changes = event.op === 'CREATE' || event.op === 'DELETE' || event.op === 'METADATA';
  if (prev && !changes) return null;
  const a = event.artifact;
  const base: ArtifactState = prev ?? {
    id: a.id,
    kind: a.kind,
    project: a.project,
    name: a.name,
    version: a.version,
    path: a.path,
    ancestorIds: root.ancestorIds,
    xattrs: root.xattrs,
    logicalTime: root.logicalTime,
    created: null,
    deleted: null,
  };
  const next: ArtifactState = {
    ...base,
    // A rename re-derives the name, version, kind and owner from the new path.
    ...(event.detail === 'rename'
      ? { kind: a.kind, project: a.project, name: a.name, version: a.version, path: a.path }
      : {}),
    ancestorIds: root.ancestorIds,
    xattrs: root.xattrs,
    logicalTime: Math.max(base.logicalTime, root.logicalTime),
  };
  if (event.op === 'CREATE' && !next.created) next.created = actorOf(event);
  if (event.op === 'DELETE') next.deleted = actorOf(event);
  return next;
}
