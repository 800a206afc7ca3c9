// Shared by the tests of every library (the build leaves src/testing out): the provenance values
// whose many nullable fields each test would otherwise spell out again.
import type { ArtifactKind, ArtifactState, ExecutionContext, ProvenanceActor } from '../index';

/** The context of an app that the test knows by its id only; `fields` adds what it does know. */
export function executionContext(appId: string, fields: Partial<ExecutionContext> = {}): ExecutionContext {
  return {
    appId,
    jobName: null,
    jobId: null,
    jobProject: null,
    jobExecutionId: null,
    pipelineRunId: null,
    pipelineName: null,
    pipelineRun: null,
    ...fields,
  };
}

/** A user acting with no app behind it (a shell, the UI): who created or deleted an artifact. */
export function userActor(user: string, atMs: number): ProvenanceActor {
  return {
    atMs,
    appId: null,
    jobName: null,
    jobId: null,
    jobProject: null,
    pipelineRun: null,
    pipelineRunId: null,
    user,
  };
}

/** An artifact of project p1 as the artifacts index holds it: bare unless `fields` says more. */
export function artifactState(
  id: number,
  kind: ArtifactKind,
  name: string,
  version: number | null,
  fields: Partial<ArtifactState> = {},
): ArtifactState {
  return {
    id,
    kind,
    project: 'p1',
    name,
    version,
    path: `/Projects/p1/${name}/${version}`,
    ancestorIds: [],
    xattrs: {},
    logicalTime: 1,
    created: null,
    deleted: null,
    ...fields,
  };
}
