import type { LogRow } from '@epipe/core';

/** Builds log rows for tests of the pure stages. */
export function makeRow(partial: Partial<LogRow> & { logId: number; inodeId: number }): LogRow {
  return {
    parentId: 1,
    name: `n${partial.inodeId}`,
    isDir: false,
    projectId: null,
    datasetId: null,
    operation: 'APPEND',
    logicalTime: 1,
    appId: null,
    userId: 1,
    xattrName: null,
    commitTsMs: 0,
    ...partial,
  };
}

/** A small deterministic PRNG, so shuffled-input tests are reproducible from their seed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
