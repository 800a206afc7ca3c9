import type { Client } from '@elastic/elasticsearch';
import { responseErrorType } from './errors';

/**
 * The daemon reads and writes `elastic.index` as an ALIAS over a versioned index
 * (`<index>-v1`, `<index>-v2`, ...), so `epipe reindex` can build a new index and switch to it in
 * one atomic `_aliases` call while searches keep using the same name. A fresh cluster gets
 * `<index>-v1` behind the alias; an existing concrete index of that name (an older epipe) is left
 * as it is and keeps working, but cannot be swapped (reindex says so).
 */
export function versionedIndexName(alias: string, version: number): string {
  return `${alias}-v${version}`;
}

/** The versions' pattern, for the index template: `<alias>-v*` (dead letters are `<alias>-dead-letters`). */
export function versionedIndexPattern(alias: string): string {
  return `${alias}-v*`;
}

export async function createAliasedIndexIfMissing(
  client: Client,
  alias: string,
  signal?: AbortSignal,
): Promise<boolean> {
  // True for an alias and for a concrete index of that name alike: either way there is one.
  if (await client.indices.exists({ index: alias }, { signal })) return false;
  try {
    await client.indices.create(
      { index: versionedIndexName(alias, 1), aliases: { [alias]: { is_write_index: true } } },
      { signal },
    );
    return true;
  } catch (err) {
    // Another instance, or an earlier start, created it first: that is the point of idempotence.
    if (responseErrorType(err) !== 'resource_already_exists_exception') throw err;
    return false;
  }
}
