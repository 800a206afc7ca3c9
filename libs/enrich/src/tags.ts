import type { LogRow } from '@epipe/core';
import { ByteBoundedCache, OBJECT_BYTES, fillNullable, numberKeyed, stringBytes } from './cache';
import type { PathTree } from './path-tree';
import type { MetadataReader } from './reader';

type Tags = Readonly<Record<string, string>>;

const tagBytes = numberKeyed<Tags | null>((tags) =>
  tags === null
    ? 0
    : OBJECT_BYTES + Object.entries(tags).reduce((n, [k, v]) => n + stringBytes(k) + stringBytes(v), 0),
);

/**
 * Tag inheritance: the filter's xattr rules read the tags (`tagNames`) of an inode, or else of
 * its nearest ancestor that has any of them, so a dataset tagged once covers every file below
 * it. Each inode's tags are cached, "none" included; a tag a batch changes is read again.
 */
export class InheritedTags {
  private readonly tags: ByteBoundedCache<number, Tags | null>;

  constructor(
    private readonly tagNames: readonly string[],
    maxBytes: number,
  ) {
    this.tags = new ByteBoundedCache(maxBytes, tagBytes);
  }

  get bytes(): number {
    return this.tags.bytes;
  }

  /**
   * Loads the tags of the rows' inodes and of their ancestors (the tree must hold the rows'
   * parent chains already), one query per tag name for those not cached.
   */
  async prefetch(rows: readonly LogRow[], tree: PathTree, reader: MetadataReader): Promise<void> {
    const tagNames = this.tagNames;
    if (tagNames.length === 0) return;
    // A tag changed in this batch is re-read: the batch sees the tag's newest value.
    for (const r of rows)
      if (r.xattrName !== null && tagNames.includes(r.xattrName)) this.tags.delete(r.inodeId);
    const wanted = new Set<number>();
    for (const r of rows) {
      wanted.add(r.inodeId);
      for (const id of tree.chain(r.parentId) ?? []) wanted.add(id);
      // A rename's old place too: whether the move changes what its descendants inherit.
      const oldParent = r.operation === 'RENAME' ? tree.get(r.inodeId)?.parentId : undefined;
      for (const id of (oldParent === undefined ? null : tree.chain(oldParent)) ?? []) wanted.add(id);
    }
    await fillNullable(this.tags, [...wanted], async (ids) => {
      const byInode = new Map<number, Record<string, string>>();
      const values = await Promise.all(tagNames.map((name) => reader.xattrValues(name, ids)));
      values.forEach((found, i) => {
        for (const [id, value] of found) byInode.set(id, { ...byInode.get(id), [tagNames[i]!]: value });
      });
      return byInode;
    });
  }

  /** The tags on the row's inode, or else on its nearest ancestor that has any; null: none. */
  of(row: LogRow, tree: PathTree): Tags | null {
    return this.at(row.inodeId, row.parentId, tree);
  }

  /**
   * The tags of the chain's last inode that has any (ids from the root down); null: none has
   * any; undefined: one of them is not cached, so the answer is unknown.
   */
  nearest(chain: readonly number[]): Tags | null | undefined {
    if (this.tagNames.length === 0) return null;
    for (let i = chain.length - 1; i >= 0; i--) {
      const id = chain[i]!;
      if (!this.tags.has(id)) return undefined;
      const tags = this.tags.get(id);
      if (tags) return tags;
    }
    return null;
  }

  /** The tags on the inode, or else on its nearest ancestor that has any; null: none. */
  at(inodeId: number, parentId: number, tree: PathTree): Tags | null {
    if (this.tagNames.length === 0) return null;
    const own = this.tags.get(inodeId);
    if (own) return own;
    const chain = tree.chain(parentId) ?? [];
    for (let i = chain.length - 1; i >= 0; i--) {
      const tags = this.tags.get(chain[i]!);
      if (tags) return tags;
    }
    return null;
  }
}
