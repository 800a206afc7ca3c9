import type { LogRow } from '@epipe/core';

export { prng } from '@epipe/core';

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

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
