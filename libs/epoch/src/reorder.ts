import type { LogRow } from '@epipe/core';

/**
 * Enforces P4/P5: the changes of one inode ordered by logical_time, log id breaking ties,
 * whatever order they arrived in. Each inode keeps the slots its rows occupied, so the
 * interleaving between different inodes (binlog order, which is commit order) is untouched:
 * the enrich stage relies on it to apply directory renames before the creates that follow them.
 */
export function reorderByInode(rows: readonly LogRow[]): LogRow[] {
  const slots = new Map<number, number[]>();
  rows.forEach((row, index) => {
    const list = slots.get(row.inodeId);
    if (list) list.push(index);
    else slots.set(row.inodeId, [index]);
  });
  const out = rows.slice();
  for (const indices of slots.values()) {
    if (indices.length < 2) continue;
    const sorted = indices.map((i) => rows[i]!).sort(compareVersions);
    indices.forEach((slot, k) => {
      out[slot] = sorted[k]!;
    });
  }
  return out;
}

export function compareVersions(a: LogRow, b: LogRow): number {
  return a.logicalTime - b.logicalTime || a.logId - b.logId;
}
