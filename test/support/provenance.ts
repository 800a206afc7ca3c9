import { silentLogger } from '@epipe/core';
import type { NameNode } from '@epipe/metastore';
import { lineage, parseSelector, type LineageResult } from '@epipe/query';
import { createProvenanceIndex, type ProvenanceIndex } from '@epipe/sink-elastic';
import type { DaemonNames } from './daemon';
import type { TestEnv } from './env';

/**
 * Provenance windows short enough that a story's rows are published, and so deleted, within
 * seconds (the default window is 10 s): a daemon for the stories runs with SHORT_WINDOWS.
 */
export const WINDOW_MS = 3_000;
export const GRACE_MS = 1_000;
export const SHORT_WINDOWS = {
  EPIPE_PROVENANCE_WINDOW_MS: String(WINDOW_MS),
  EPIPE_PROVENANCE_GRACE_MS: String(GRACE_MS),
};

/** The provenance indices the run's daemon writes (`<index>_prov_*`), to query them. */
export function openProvenanceIndex(env: TestEnv, names: DaemonNames): ProvenanceIndex {
  return createProvenanceIndex(
    {
      url: [env.elasticUrl],
      indexPrefix: `${names.index}_prov`,
      inodeIndex: names.index,
      requestTimeoutMs: 10_000,
      maxRetries: 1,
      refreshInterval: '1s',
      replicas: 0,
    },
    { logger: silentLogger() },
  );
}

/**
 * The user alice and, for each project, the datasets the artifact conventions name (feature
 * store, training datasets, models) and Resources: where the lineage story writes.
 */
export async function createStoryProjects(nn: NameNode, projects: readonly string[]): Promise<void> {
  await nn.createUser('alice');
  for (const p of projects) {
    await nn.createProject(p, 'alice');
    for (const d of [`${p}_featurestore.db`, `${p}_Training_Datasets`, 'Models', 'Resources'])
      await nn.createDataset(p, d, { user: 'alice' });
  }
}

/** A lineage answer's nodes as `name/version` (`-` without a version), sorted. */
export function nodeNames(r: LineageResult): string[] {
  return r.nodes.map((n) => `${n.artifact?.name ?? '?'}/${n.artifact?.version ?? '-'}`).sort();
}

/**
 * `epipe lineage <selector> [--project <project>] --depth <depth> [--down]`, 200 nodes at most;
 * `asOfMs` asks what the lineage was then.
 */
export function lineageOf(
  index: ProvenanceIndex,
  selector: string,
  project: string | undefined,
  options: { depth: number; direction?: 'up' | 'down'; asOfMs?: number },
): Promise<LineageResult> {
  return lineage(index, {
    artifact: parseSelector(selector, project),
    direction: options.direction ?? 'up',
    depth: options.depth,
    limit: 200,
    ...(options.asOfMs === undefined ? {} : { asOfMs: options.asOfMs }),
  });
}
