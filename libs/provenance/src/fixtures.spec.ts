// Shared by this lib's tests (the .spec.ts suffix keeps it out of the build).
import {
  FILE_EVENT_SCHEMA,
  FILE_EVENT_SCHEMA_VERSION,
  type ExecutionContext,
  type OperationName,
} from '@epipe/core';
import type { ProvenanceInput, RootResolver } from './mapping';
import { executionContext } from '../../core/src/testing/provenance';
import { PathIds } from '../../core/src/testing/paths';

/** Root directories by path, as a name node would number them. */
export class FakeTree extends PathIds {
  constructor() {
    super(1000);
  }

  /** Delete and recreate: a new id for the same path. */
  recreate(path: string): number {
    this.ids.delete(path);
    return this.idOf(path);
  }

  readonly resolver: RootResolver = (_event, root) => this.idOf(root.rootPath);
}

export function app(appId: string, extra: Partial<ExecutionContext> = {}): ExecutionContext {
  return executionContext(appId, { jobName: `job_${appId}`, jobExecutionId: 7, ...extra });
}

let nextLogId = 1;

export function resetLogIds(): void {
  nextLogId = 1;
}

export function fileEvent(
  operation: OperationName,
  path: string,
  overrides: Partial<ProvenanceInput> = {},
): ProvenanceInput {
  const logId = overrides.logId ?? nextLogId++;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const project = path.split('/')[2] ?? null;
  return {
    schema: FILE_EVENT_SCHEMA,
    schemaVersion: FILE_EVENT_SCHEMA_VERSION,
    eventId: `testdb/${logId}`,
    epoch: 1,
    seq: 0,
    logId,
    inodeId: 5_000_000 + logId,
    parentId: 1,
    logicalTime: 1,
    operation,
    isDir: false,
    name,
    path,
    oldPath: null,
    project: project ? { id: 1, name: project } : null,
    dataset: null,
    user: { id: 42, name: 'alice' },
    xattrName: null,
    app: null,
    commitTsMs: 0,
    ...overrides,
  };
}

/** A deterministic shuffle (mulberry32), so a failing order can be replayed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
