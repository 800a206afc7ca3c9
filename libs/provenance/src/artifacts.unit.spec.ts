import {
  PROVENANCE_EVENT_SCHEMA,
  PROVENANCE_EVENT_SCHEMA_VERSION,
  type ArtifactOp,
  type ProvenanceEvent,
} from '@epipe/core';
import { nextArtifactState } from './artifacts';

function ev(op: ArtifactOp, atMs: number, over: Partial<ProvenanceEvent> = {}): ProvenanceEvent {
  return {
    schema: PROVENANCE_EVENT_SCHEMA,
    schemaVersion: PROVENANCE_EVENT_SCHEMA_VERSION,
    eventId: `prov/x/${atMs}`,
    artifact: {
      id: 5,
      kind: 'MODEL',
      project: 'p',
      name: 'fraud',
      version: 1,
      path: '/Projects/p/Models/fraud/1',
    },
    op,
    detail: null,
    count: 1,
    firstCommitTsMs: atMs,
    lastCommitTsMs: atMs,
    app: {
      appId: 'a1',
      jobName: 'train',
      jobId: 11,
      jobProject: 'p',
      jobExecutionId: 1,
      pipelineRunId: 2,
      pipelineName: null,
      pipelineRun: 'R',
    },
    user: { id: 1, name: 'alice' },
    logIds: [atMs],
    ...over,
  };
}

const root = (logicalTime: number, xattrs: Record<string, string> = {}) => ({
  logicalTime,
  ancestorIds: [1, 2, 3],
  xattrs,
});

describe('artifact documents', () => {
  it('records who created it, then who deleted it, keeping the document', () => {
    const created = nextArtifactState(null, ev('CREATE', 100), root(1))!;
    expect(created).toMatchObject({
      id: 5,
      name: 'fraud',
      logicalTime: 1,
      created: {
        atMs: 100,
        jobName: 'train',
        jobId: 11,
        jobProject: 'p',
        pipelineRun: 'R',
        pipelineRunId: 2,
      },
      deleted: null,
    });
    const deleted = nextArtifactState(created, ev('DELETE', 900, { app: null }), root(4))!;
    expect(deleted).toMatchObject({
      created: { atMs: 100 },
      deleted: { atMs: 900, appId: null, user: 'alice' },
      logicalTime: 4,
    });
  });

  it('changes nothing for reads and mutations of a known artifact, but starts one seen first by a read', () => {
    const known = nextArtifactState(null, ev('CREATE', 100), root(1))!;
    expect(nextArtifactState(known, ev('ACCESS', 200), root(1))).toBeNull();
    expect(nextArtifactState(known, ev('MUTATION', 200), root(2))).toBeNull();
    expect(nextArtifactState(null, ev('ACCESS', 200), root(3))).toMatchObject({
      created: null,
      logicalTime: 3,
    });
  });

  it('a rename re-derives name, version and path; xattr changes take the root xattrs; versions never go back', () => {
    const known = nextArtifactState(null, ev('CREATE', 100), root(5))!;
    const moved = nextArtifactState(
      known,
      ev('METADATA', 200, {
        detail: 'rename',
        artifact: {
          id: 5,
          kind: 'MODEL',
          project: 'p',
          name: 'fraud_old',
          version: 1,
          path: '/Projects/p/Models/fraud_old/1',
        },
      }),
      root(6),
    )!;
    expect(moved).toMatchObject({
      name: 'fraud_old',
      path: '/Projects/p/Models/fraud_old/1',
      logicalTime: 6,
      created: { atMs: 100 },
    });
    const tagged = nextArtifactState(
      moved,
      ev('METADATA', 300, { detail: 'xattr:owner' }),
      root(4, { owner: 'team' }),
    )!;
    expect(tagged).toMatchObject({ name: 'fraud_old', xattrs: { owner: 'team' }, logicalTime: 6 });
  });
});
