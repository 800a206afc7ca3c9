import type { ArtifactOp, ArtifactRef, FileEvent } from '@epipe/core';
import type { Classification, Classifier } from './classify';

/**
 * A file event as the coalescer takes it. The ancestor ids (root first: '/', '/Projects', ...,
 * as the inode index stores them) name the artifact's root inode without a lookup; the enrich
 * stage knows them from its tree cache. Without them, a RootResolver must.
 */
export type ProvenanceInput = FileEvent & {
  ancestorIds?: readonly number[] | null;
  /** For RENAME: the ancestors at the old path. */
  oldAncestorIds?: readonly number[] | null;
};

/** The inode id of the root directory of the artifact `root` classifies, at `side` of the event. */
export type RootResolver = (
  event: ProvenanceInput,
  root: Classification,
  side: 'path' | 'oldPath',
) => number | null;

export const ancestorRootResolver: RootResolver = (event, root, side) => {
  if (root.isRoot) return event.inodeId;
  const ancestors = side === 'path' ? event.ancestorIds : event.oldAncestorIds;
  return ancestors?.[root.rootDepth] ?? null;
};

/** What one file event contributes to one artifact. */
export interface Contribution {
  artifact: ArtifactRef;
  op: ArtifactOp;
  /** METADATA changes; 'rename' makes an event of its own at once. */
  detail: string | null;
  /** Operations that are their own event at once (root create, delete and rename). */
  instant: boolean;
  /** A DELETE of a file below a root: folds into the root's DELETE when that is in the same batch. */
  childDelete: boolean;
}

export interface MappingDeps {
  classify: Classifier;
  rootIdOf: RootResolver;
}

export type MapResult = { contributions: Contribution[] } | { skipped: 'no-artifact' | 'unresolved' };

function ref(id: number, c: Classification): ArtifactRef {
  return { id, kind: c.kind, project: c.project, name: c.name, version: c.version, path: c.rootPath };
}

/** The coalescing table of DESIGN.md, for one file event. */
export function mapEvent(event: ProvenanceInput, deps: MappingDeps): MapResult {
  const cls = event.path === null ? null : deps.classify(event.path);
  if (event.operation === 'RENAME') return mapRename(event, cls, deps);
  if (!cls) return { skipped: 'no-artifact' };
  const id = deps.rootIdOf(event, cls, 'path');
  if (id === null) return { skipped: 'unresolved' };
  const artifact = ref(id, cls);
  const one = (op: ArtifactOp, detail: string | null = null, instant = false, childDelete = false) => ({
    contributions: [{ artifact, op, detail, instant, childDelete }],
  });
  switch (event.operation) {
    case 'ACCESS':
      return one('ACCESS');
    case 'CREATE':
      return cls.isRoot ? one('CREATE', null, true) : one('MUTATION');
    case 'DELETE':
      return cls.isRoot ? one('DELETE', null, true) : one('MUTATION', null, false, true);
    case 'APPEND':
    case 'TRUNCATE':
      return one('MUTATION');
    case 'XATTR_ADD':
    case 'XATTR_UPDATE':
    case 'XATTR_DELETE':
      return one('METADATA', `xattr:${event.xattrName ?? ''}`);
    case 'PERMISSION':
      return one('METADATA', 'permission');
  }
}

function mapRename(event: ProvenanceInput, cls: Classification | null, deps: MappingDeps): MapResult {
  const old = event.oldPath === null ? null : deps.classify(event.oldPath);
  // The root itself moved (a rename keeps the artifact id): METADATA(rename), at once.
  const root = cls?.isRoot ? cls : old?.isRoot ? old : null;
  if (root) {
    return {
      contributions: [
        {
          artifact: ref(event.inodeId, root),
          op: 'METADATA',
          detail: 'rename',
          instant: true,
          childDelete: false,
        },
      ],
    };
  }
  const sides: Contribution[] = [];
  let unresolved = false;
  // New side first: a move inside one artifact names it as it is now.
  for (const [c, side] of [
    [cls, 'path'],
    [old, 'oldPath'],
  ] as const) {
    if (!c) continue;
    const id = deps.rootIdOf(event, c, side);
    if (id === null) unresolved = true;
    else if (!sides.some((s) => s.artifact.id === id))
      sides.push({ artifact: ref(id, c), op: 'MUTATION', detail: null, instant: false, childDelete: false });
  }
  if (sides.length > 0) return { contributions: sides };
  return { skipped: unresolved ? 'unresolved' : 'no-artifact' };
}
