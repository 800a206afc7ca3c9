import type {
  ArtifactKind,
  ArtifactOp,
  ArtifactRef,
  ArtifactState,
  ExecutionContext,
  LineageEdge,
  ProvenanceActor,
  ProvenanceEvent,
} from '@epipe/core';
import { lineageEdgeId } from '@epipe/core';

/**
 * The provenance indices: artifacts (one document per artifact, never removed), operations
 * (one per provenance event) and lineage edges (one per from → to and app). Only keyword, long,
 * date and boolean fields, so every query is a term/terms/range/bool one.
 */
export interface ProvenanceIndexNames {
  artifacts: string;
  operations: string;
  edges: string;
}

export function provenanceIndexNames(prefix: string): ProvenanceIndexNames {
  return { artifacts: `${prefix}_artifacts`, operations: `${prefix}_operations`, edges: `${prefix}_edges` };
}

const keyword = { type: 'keyword' } as const;
const long = { type: 'long' } as const;
const date = { type: 'date', format: 'epoch_millis' } as const;

/** Which artifact a document is about, as artifact and operation documents hold it. */
export interface ArtifactRefSource {
  artifact_id: number;
  kind: ArtifactKind;
  project: string;
  name: string;
  version: number | null;
  path: string;
}

export interface ArtifactSource extends ArtifactRefSource {
  ancestor_ids: number[];
  xattr_pairs: string[];
  xattrs: Record<string, string>;
  logical_time: number;
  created_at: number | null;
  created_app_id: string | null;
  created_job: string | null;
  created_job_id: number | null;
  created_job_project: string | null;
  created_run: string | null;
  created_run_id: number | null;
  created_user: string | null;
  deleted: boolean;
  deleted_at: number | null;
  deleted_app_id: string | null;
  deleted_user: string | null;
}

/** An execution context's job and pipeline, as operation and edge documents hold it. */
export interface JobSource {
  job_name: string | null;
  job_id: number | null;
  job_project: string | null;
  job_execution_id: number | null;
  pipeline_name: string | null;
  pipeline_run: string | null;
  pipeline_run_id: number | null;
}

export interface OperationSource extends ArtifactRefSource, JobSource {
  event_id: string;
  op: ArtifactOp;
  detail: string | null;
  count: number;
  first_commit_ts: number;
  last_commit_ts: number;
  app_id: string | null;
  user_id: number;
  user: string | null;
  first_log_id: number;
  last_log_id: number;
}

export interface EdgeSource extends JobSource {
  from_id: number;
  from_kind: ArtifactKind;
  from_project: string;
  to_id: number;
  to_kind: ArtifactKind;
  to_project: string;
  app_id: string;
  since: number;
}

const ARTIFACT_REF_MAPPINGS = {
  artifact_id: long,
  kind: keyword,
  project: keyword,
  name: keyword,
  version: long,
  path: keyword,
} satisfies Record<keyof ArtifactRefSource, object>;

const JOB_MAPPINGS = {
  job_name: keyword,
  job_id: long,
  job_project: keyword,
  job_execution_id: long,
  pipeline_name: keyword,
  pipeline_run: keyword,
  pipeline_run_id: long,
} satisfies Record<keyof JobSource, object>;

export const ARTIFACT_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    ...ARTIFACT_REF_MAPPINGS,
    ancestor_ids: long,
    xattr_pairs: keyword,
    xattrs: { type: 'object', enabled: false },
    logical_time: long,
    created_at: date,
    created_app_id: keyword,
    created_job: keyword,
    created_job_id: long,
    created_job_project: keyword,
    created_run: keyword,
    created_run_id: long,
    created_user: keyword,
    deleted: { type: 'boolean' },
    deleted_at: date,
    deleted_app_id: keyword,
    deleted_user: keyword,
  } satisfies Record<keyof ArtifactSource, object>,
} as const;

export const OPERATION_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    event_id: keyword,
    ...ARTIFACT_REF_MAPPINGS,
    op: keyword,
    detail: keyword,
    count: long,
    first_commit_ts: date,
    last_commit_ts: date,
    app_id: keyword,
    ...JOB_MAPPINGS,
    user_id: long,
    user: keyword,
    first_log_id: long,
    last_log_id: long,
  } satisfies Record<keyof OperationSource, object>,
} as const;

export const EDGE_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    from_id: long,
    from_kind: keyword,
    from_project: keyword,
    to_id: long,
    to_kind: keyword,
    to_project: keyword,
    app_id: keyword,
    ...JOB_MAPPINGS,
    since: date,
  } satisfies Record<keyof EdgeSource, object>,
} as const;

/** Above the built-in templates, as the inode index template. */
const TEMPLATE_PRIORITY = 500;

export function provenanceTemplates(
  names: ProvenanceIndexNames,
  settings: { replicas: number; refreshInterval: string },
): { name: string; index: string; mappings: { properties: Record<string, object> }; body: object }[] {
  const one = (index: string, mappings: { properties: Record<string, object> }, description: string) => ({
    name: `${index}-template`,
    index,
    mappings,
    body: {
      index_patterns: [index],
      priority: TEMPLATE_PRIORITY,
      template: {
        settings: {
          number_of_shards: 1,
          number_of_replicas: settings.replicas,
          refresh_interval: settings.refreshInterval,
        },
        mappings,
      },
      _meta: { managed_by: 'epipe', description },
    },
  });
  return [
    one(names.artifacts, ARTIFACT_MAPPINGS, 'one document per ML artifact, kept after its deletion'),
    one(names.operations, OPERATION_MAPPINGS, 'one document per provenance event'),
    one(names.edges, EDGE_MAPPINGS, 'lineage edges, one per (from, to, app)'),
  ];
}

export function artifactRefSource(a: ArtifactRef): ArtifactRefSource {
  return {
    artifact_id: a.id,
    kind: a.kind,
    project: a.project,
    name: a.name,
    version: a.version,
    path: a.path,
  };
}

export function artifactRefFromSource(s: ArtifactRefSource): ArtifactRef {
  return {
    id: s.artifact_id,
    kind: s.kind,
    project: s.project,
    name: s.name,
    version: s.version,
    path: s.path,
  };
}

export function artifactSource(a: ArtifactState): ArtifactSource {
  return {
    ...artifactRefSource(a),
    ancestor_ids: a.ancestorIds,
    xattr_pairs: Object.entries(a.xattrs).map(([k, v]) => `${k}=${v.slice(0, 256)}`),
    xattrs: a.xattrs,
    logical_time: a.logicalTime,
    created_at: a.created?.atMs ?? null,
    created_app_id: a.created?.appId ?? null,
    created_job: a.created?.jobName ?? null,
    created_job_id: a.created?.jobId ?? null,
    created_job_project: a.created?.jobProject ?? null,
    created_run: a.created?.pipelineRun ?? null,
    created_run_id: a.created?.pipelineRunId ?? null,
    created_user: a.created?.user ?? null,
    deleted: a.deleted !== null,
    deleted_at: a.deleted?.atMs ?? null,
    deleted_app_id: a.deleted?.appId ?? null,
    deleted_user: a.deleted?.user ?? null,
  };
}

export function artifactFromSource(s: ArtifactSource): ArtifactState {
  const none = { jobName: null, jobId: null, jobProject: null, pipelineRun: null, pipelineRunId: null };
  // Documents written before the job ids were indexed lack them: null, not undefined.
  const created: ProvenanceActor | null =
    s.created_at === null
      ? null
      : {
          atMs: s.created_at,
          appId: s.created_app_id,
          jobName: s.created_job,
          jobId: s.created_job_id ?? null,
          jobProject: s.created_job_project ?? null,
          pipelineRun: s.created_run,
          pipelineRunId: s.created_run_id ?? null,
          user: s.created_user,
        };
  return {
    ...artifactRefFromSource(s),
    ancestorIds: s.ancestor_ids,
    xattrs: s.xattrs,
    logicalTime: s.logical_time,
    created,
    deleted: s.deleted
      ? { ...none, atMs: s.deleted_at ?? 0, appId: s.deleted_app_id, user: s.deleted_user }
      : null,
  };
}

export function operationSource(e: ProvenanceEvent): OperationSource {
  return {
    event_id: e.eventId,
    ...artifactRefSource(e.artifact),
    op: e.op,
    detail: e.detail,
    count: e.count,
    first_commit_ts: e.firstCommitTsMs,
    last_commit_ts: e.lastCommitTsMs,
    app_id: e.app?.appId ?? null,
    ...jobSource(e.app),
    user_id: e.user.id,
    user: e.user.name,
    first_log_id: e.logIds[0]!,
    last_log_id: e.logIds[e.logIds.length - 1]!,
  };
}

export function jobSource(app: ExecutionContext | null): JobSource {
  return {
    job_name: app?.jobName ?? null,
    job_id: app?.jobId ?? null,
    job_project: app?.jobProject ?? null,
    job_execution_id: app?.jobExecutionId ?? null,
    pipeline_name: app?.pipelineName ?? null,
    pipeline_run: app?.pipelineRun ?? null,
    pipeline_run_id: app?.pipelineRunId ?? null,
  };
}

/** Documents written before the job ids were indexed lack them: null, not undefined. */
export function appFromSource(appId: string, s: JobSource): ExecutionContext {
  return {
    appId,
    jobName: s.job_name,
    jobId: s.job_id ?? null,
    jobProject: s.job_project ?? null,
    jobExecutionId: s.job_execution_id,
    pipelineRunId: s.pipeline_run_id ?? null,
    pipelineName: s.pipeline_name,
    pipelineRun: s.pipeline_run,
  };
}

export function edgeSource(e: LineageEdge): EdgeSource {
  return {
    from_id: e.from.id,
    from_kind: e.from.kind,
    from_project: e.from.project,
    to_id: e.to.id,
    to_kind: e.to.kind,
    to_project: e.to.project,
    app_id: e.app.appId,
    ...jobSource(e.app),
    since: e.sinceMs,
  };
}

export function edgeFromSource(s: EdgeSource): LineageEdge {
  return {
    from: { id: s.from_id, kind: s.from_kind, project: s.from_project },
    to: { id: s.to_id, kind: s.to_kind, project: s.to_project },
    app: appFromSource(s.app_id, s),
    sinceMs: s.since,
  };
}

export { lineageEdgeId };
