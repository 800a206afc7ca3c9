export { prng } from '@epipe/core';

/** The operations a writer performs and their relative weights. */
export type OpKind =
  | 'create'
  | 'append'
  | 'read'
  | 'truncate'
  | 'setXattr'
  | 'removeXattr'
  | 'chmod'
  | 'renameFile'
  | 'renameDir'
  | 'mkdir'
  | 'deleteFile'
  | 'deleteDir';

export type Mix = Record<OpKind, number>;

/**
 * Roughly what a HopsFS cluster's metadata log looks like: reads dominate, then creates and
 * appends; renames and deletes of directories are rare but move whole subtrees.
 */
export const HOPSFS_MIX: Mix = {
  create: 18,
  append: 14,
  read: 30,
  truncate: 2,
  setXattr: 8,
  removeXattr: 2,
  chmod: 3,
  renameFile: 6,
  renameDir: 1,
  mkdir: 5,
  deleteFile: 10,
  deleteDir: 1,
};

export function parseMix(text: string): Mix {
  const mix = { ...HOPSFS_MIX };
  for (const part of text.split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (!k || !(k in mix) || v === undefined || !(Number(v) >= 0)) {
      throw new Error(
        `workload mix: bad entry ${JSON.stringify(part)} (expected kind=weight, kinds: ${Object.keys(mix).join(', ')})`,
      );
    }
    mix[k as OpKind] = Number(v);
  }
  return mix;
}

export function picker(mix: Mix, random: () => number): () => OpKind {
  const entries = Object.entries(mix).filter(([, w]) => w > 0) as [OpKind, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  if (total <= 0) throw new Error('workload mix has no positive weight');
  return () => {
    let r = random() * total;
    for (const [kind, w] of entries) {
      r -= w;
      if (r < 0) return kind;
    }
    return entries.at(-1)![0];
  };
}
