import type { ExecutionContext, LogRow } from '@epipe/core';
import {
  ByteBoundedCache,
  type Counted,
  FIELD_BYTES,
  OBJECT_BYTES,
  ENTRY_BYTES,
  fill,
  fillNullable,
  numberKeyed,
  stringBytes,
} from './cache';
import type { MetadataReader } from './reader';

const nameBytes = numberKeyed<string>(stringBytes);
const contextBytes = (key: string, value: ExecutionContext | null): number =>
  ENTRY_BYTES +
  stringBytes(key) +
  (value === null
    ? 0
    : OBJECT_BYTES +
      8 * FIELD_BYTES +
      stringBytes(value.appId) +
      stringBytes(value.jobName) +
      stringBytes(value.pipelineName) +
      stringBytes(value.pipelineRun));

/** The byte budget of each cache. */
export interface NameBudgets {
  users: number;
  projects: number;
  datasets: number;
  contexts: number;
}

/**
 * The user, project and dataset names and the execution contexts (app → job → pipeline) events
 * carry, read for a whole batch at once (one query per kind) and cached. An app id with no
 * context is cached as such, so it is not asked for on every row.
 */
export class NameCaches {
  private readonly users: ByteBoundedCache<number, string>;
  private readonly projects: ByteBoundedCache<number, string>;
  private readonly datasets: ByteBoundedCache<number, string>;
  private readonly contexts: ByteBoundedCache<string, ExecutionContext | null>;

  constructor(budgets: NameBudgets) {
    this.users = new ByteBoundedCache(budgets.users, nameBytes);
    this.projects = new ByteBoundedCache(budgets.projects, nameBytes);
    this.datasets = new ByteBoundedCache(budgets.datasets, nameBytes);
    this.contexts = new ByteBoundedCache(budgets.contexts, contextBytes);
  }

  get bytes(): number {
    return this.users.bytes + this.projects.bytes + this.datasets.bytes + this.contexts.bytes;
  }

  /** Loads what the rows name and the caches lack; `counted` is told hits and misses per cache. */
  async prefetch(
    rows: readonly LogRow[],
    reader: MetadataReader,
    counted: (cache: string) => Counted,
  ): Promise<void> {
    await Promise.all([
      fill(
        this.users,
        rows.map((r) => r.userId),
        (ids) => reader.userNames(ids),
        counted('user'),
      ),
      fill(
        this.projects,
        present(rows.map((r) => r.projectId)),
        (ids) => reader.projectNames(ids),
        counted('project'),
      ),
      fill(
        this.datasets,
        present(rows.map((r) => r.datasetId)),
        (ids) => reader.datasetNames(ids),
        counted('dataset'),
      ),
      fillNullable(
        this.contexts,
        present(rows.map((r) => r.appId)),
        (ids) => reader.contexts(ids),
        counted('context'),
      ),
    ]);
  }

  user(id: number): string | undefined {
    return this.users.get(id);
  }

  project(id: number): string | undefined {
    return this.projects.get(id);
  }

  dataset(id: number): string | undefined {
    return this.datasets.get(id);
  }

  /** Undefined: never read; null: read, and the app has no context. */
  context(appId: string): ExecutionContext | null | undefined {
    return this.contexts.get(appId);
  }
}

function present<T>(values: (T | null)[]): T[] {
  return values.filter((v): v is T => v !== null);
}
