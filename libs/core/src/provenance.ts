import { createHash } from 'node:crypto';
import { NO_CONTEXT, type ExecutionContext, type NamedRef } from './event';

/**
 * Provenance: file operations turned into operations on ML artifacts (DESIGN.md, "Coalesce").
 * The shapes here are shared by the coalescer (libs/provenance), the sinks that publish and
 * index them, and the read side (libs/query).
 */
export const PROVENANCE_EVENT_SCHEMA = 'epipe.provenance-event';
export const PROVENANCE_EVENT_SCHEMA_VERSION = 1;

export const ARTIFACT_KINDS = [
  'FEATURE_GROUP',
  'TRAINING_DATASET',
  'MODEL',
  'EXPERIMENT',
  'DATASET',
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export const ARTIFACT_OPS = ['CREATE', 'DELETE', 'ACCESS', 'MUTATION', 'METADATA'] as const;
export type ArtifactOp = (typeof ARTIFACT_OPS)[number];

/** Operations that make their artifact an output of the app (the write side of a lineage edge). */
export function isArtifactWrite(op: ArtifactOp): boolean {
  return op === 'CREATE' || op === 'MUTATION';
}

/** Which artifact an event is about, as its path named it at the time. */
export interface ArtifactRef {
  /** The inode id of the artifact's root directory: a rename keeps it, delete and recreate do not. */
  id: number;
  kind: ArtifactKind;
  /** The project that owns the artifact (the first path segment below /Projects). */
  project: string;
  name: string;
  /** The version for versioned kinds (feature group, training dataset, model), otherwise null. */
  version: number | null;
  /** Root path at the time of the window's last row. */
  path: string;
}

/** One artifact operation: a closed window of file operations, published to the provenance topic. */
export interface ProvenanceEvent {
  schema: typeof PROVENANCE_EVENT_SCHEMA;
  schemaVersion: typeof PROVENANCE_EVENT_SCHEMA_VERSION;
  /** A function of the window's rows (see provenanceEventId): a replay republishes the same id. */
  eventId: string;
  artifact: ArtifactRef;
  op: ArtifactOp;
  /**
   * What kind of METADATA change: 'rename', or the sorted, comma-joined changes of the window
   * ('permission', 'xattr:<name>'); null for other operations.
   */
  detail: string | null;
  /** File operations the window holds. */
  count: number;
  firstCommitTsMs: number;
  lastCommitTsMs: number;
  /** The application of the window's first row; null when the rows carried no app id. */
  app: ExecutionContext | null;
  user: NamedRef;
  /** The log rows the window covers, ascending. */
  logIds: number[];
}

/**
 * The id of a provenance event: a hash of what identifies its window (artifact, operation,
 * actor) and of every log row it holds, so that the same rows always give the same id. Rows
 * are sorted first: the order they arrived in does not matter.
 */
export function provenanceEventId(
  source: string,
  window: { artifactId: number; op: ArtifactOp; actor: string; logIds: readonly number[] },
): string {
  const hash = createHash('sha256');
  hash.update(`${window.artifactId}\u0000${window.op}\u0000${window.actor}\u0000`);
  const sorted = [...window.logIds].sort((a, b) => a - b);
  hash.update(sorted.join(','));
  return `prov/${source}/${hash.digest('hex').slice(0, 32)}`;
}

/** Who did it, for artifact state and edges. */
export interface ProvenanceActor {
  atMs: number;
  appId: string | null;
  jobName: string | null;
  /** Job names are unique only per project: the job's id and project name it. */
  jobId: number | null;
  jobProject: string | null;
  pipelineRun: string | null;
  pipelineRunId: number | null;
  user: string | null;
}

/** Who did it, from the app (null: none known) and user of an operation at `atMs`. */
export function provenanceActor(
  atMs: number,
  app: ExecutionContext | null,
  user: string | null,
): ProvenanceActor {
  const { appId, jobName, jobId, jobProject, pipelineRun, pipelineRunId } = app ?? NO_CONTEXT;
  return { atMs, appId, jobName, jobId, jobProject, pipelineRun, pipelineRunId, user };
}

/**
 * The state of one artifact, as the artifacts index holds it (never removed: deleted is set); its
 * path is the root's as of logicalTime.
 */
export interface ArtifactState extends ArtifactRef {
  /** Ancestor inode ids, root first (as in the inode index). */
  ancestorIds: number[];
  /** Xattrs of the root directory. */
  xattrs: Record<string, string>;
  /** The root's logical_time: the document's external version. */
  logicalTime: number;
  created: ProvenanceActor | null;
  deleted: ProvenanceActor | null;
}

/** One end of a lineage edge. */
export interface LineageEnd {
  id: number;
  kind: ArtifactKind;
  project: string;
}

/**
 * App X accessed `from` and created or mutated `to` (to ≠ from): `from` went into `to`. One edge
 * per (from, to, app), materialised when the later of the two operations is seen.
 */
export interface LineageEdge {
  from: LineageEnd;
  to: LineageEnd;
  app: ExecutionContext;
  /** The later of the access and the write, epoch milliseconds. */
  sinceMs: number;
}

export function lineageEdgeId(edge: Pick<LineageEdge, 'from' | 'to' | 'app'>): string {
  return `${edge.from.id}>${edge.to.id}@${edge.app.appId}`;
}

/** A provenance event as the operations index returns it (without its row ids). */
export type ProvenanceOperationRecord = Omit<ProvenanceEvent, 'schema' | 'schemaVersion' | 'logIds'>;

/** Which operations to read, oldest first. */
export interface OperationQuery {
  artifactIds?: number[];
  appId?: string;
  ops?: string[];
  sinceMs?: number;
  untilMs?: number;
  size?: number;
}

/** Live files by name, path or xattr value, scoped to a project and a folder. */
export interface InodeQuery {
  /** Words of the name, path or xattr values. */
  text?: string;
  project?: string;
  under?: string;
  xattrs?: Record<string, string>;
  size?: number;
}

/** An artifact by its root path, or by project, name and version. */
export type ArtifactName = { path: string } | { project: string; name: string; version: number | null };

/**
 * The read side of the provenance indices: what libs/query reads and libs/sink-elastic's
 * ProvenanceIndex implements (tests may pass a fake). Every method is one request; `File` is the
 * inode-index document searchInodes returns.
 */
export interface ProvenanceReader<File> {
  /** Artifacts by id in one mget; missing ones are left out. */
  artifacts(ids: readonly number[], signal?: AbortSignal): Promise<ArtifactState[]>;
  /** Edges into (`up`) or out of (`down`) the given artifacts, since ≤ asOf, in one terms query. */
  edges(
    ids: readonly number[],
    direction: 'up' | 'down',
    options: { asOfMs?: number; size: number },
    signal?: AbortSignal,
  ): Promise<LineageEdge[]>;
  operations(query: OperationQuery, signal?: AbortSignal): Promise<ProvenanceOperationRecord[]>;
  /**
   * The artifact that had this path, or this project/name/version, at asOf (latest operation
   * at or before it), from the operations index: renames and recreations keep their history.
   */
  resolve(by: ArtifactName, asOfMs: number | undefined, signal?: AbortSignal): Promise<number | null>;
  searchInodes(query: InodeQuery, signal?: AbortSignal): Promise<File[]>;
}
