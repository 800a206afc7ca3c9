import { Kafka, logLevel } from 'kafkajs';
import type { DaemonNames } from './daemon';
import type { TestEnv } from './env';

/** Deletes indices (a name or pattern) and index templates a test made; missing ones are fine. */
export async function deleteElasticIndices(
  esUrl: string,
  options: { indices?: string[]; templates?: string[] },
): Promise<void> {
  const base = esUrl.replace(/\/$/, '');
  const remove = async (path: string) => {
    const res = await fetch(`${base}/${path}`, { method: 'DELETE' });
    if (!res.ok && res.status !== 404) throw new Error(`DELETE ${path}: ${res.status} ${await res.text()}`);
  };
  for (const index of options.indices ?? []) await remove(encodeURIComponent(index));
  for (const name of options.templates ?? []) await remove(`_index_template/${encodeURIComponent(name)}`);
}

/** Deletes the topics whose names start with the prefix (a test's own). */
export async function deleteTopicsWithPrefix(brokers: string[], prefix: string): Promise<void> {
  const admin = new Kafka({ brokers, clientId: 'test-cleanup', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.disconnect();
  }
}

/** The provenance indices' kinds: `<index>_prov_<kind>`, each with its own template. */
const PROVENANCE_KINDS = ['artifacts', 'operations', 'edges'];

/**
 * Deletes everything the daemon made on the shared stack for one run's names: the inode index's
 * versions and the dead-letter index (all `<index>-*`; the name itself is an alias over them),
 * the provenance indices, their templates, and every topic (events, `.dlq`, `.prov`, per project).
 */
export async function dropRunSinks(env: TestEnv, names: Pick<DaemonNames, 'index' | 'topic'>): Promise<void> {
  await deleteElasticIndices(env.elasticUrl, {
    indices: [`${names.index}-*`, `${names.index}_prov_*`],
    templates: [
      `${names.index}-template`,
      ...PROVENANCE_KINDS.map((kind) => `${names.index}_prov_${kind}-template`),
    ],
  });
  await deleteTopicsWithPrefix(env.kafkaBrokers, names.topic);
}
