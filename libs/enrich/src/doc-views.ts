import type { FileEvent, InodeState } from '@epipe/core';
import { type PathTree, joinPath } from './path-tree';
import type { MetadataReader } from './reader';
import type { DocView, EnrichResult, MoveView } from './result';

/**
 * Document views: what the search index must show after a batch, gathered row by row. Filters
 * decide what is published, never that the index keeps a gone inode or a stale path: deletes and
 * directory moves are seen whether or not their event passes. The index holds the live inodes
 * the path and tag rules cover (DESIGN.md, Filter): a covered inode's change writes its document
 * whether or not the operation rules publish it, and a change that takes an inode out of the
 * covered set (a move out, a tag off) deletes it.
 */
export class SearchViews {
  /**
   * The newest kept change of each inode (reads change nothing the index shows): the search
   * document takes its version and its last_* fields from this one event, so a document that
   * loses a version race (409) keeps fields that belong together.
   */
  private readonly lastWritten = new Map<number, FileEvent>();
  private readonly deleted = new Map<number, number>();
  private readonly outside = new Map<number, number>();
  readonly moves: MoveView[] = [];

  /** Every row's event, kept or not, after placeRow applied it to the tree. */
  see(event: FileEvent, tree: PathTree): void {
    if (event.operation === 'DELETE') this.deleted.set(event.inodeId, event.logicalTime);
    // Sent whether or not the old path is known: the search sink finds the descendants by the
    // directory's id, so a replayed rename still fixes the documents written before it.
    if (event.operation === 'RENAME' && event.isDir && event.path !== null) {
      this.moves.push({
        dirInodeId: event.inodeId,
        epoch: event.epoch,
        oldPath: event.oldPath,
        newPath: event.path,
        newAncestorIds: tree.chain(event.inodeId) ?? [],
      });
    }
  }

  /** An event of an inode the filters cover: its document shows the inode's state now. */
  cover(event: FileEvent): void {
    if (event.operation === 'ACCESS') return;
    this.lastWritten.set(event.inodeId, event);
    this.outside.delete(event.inodeId);
  }

  /**
   * An event of an inode the filters do not cover. Only a change that can have moved it across
   * the boundary (`crossing`: a rename, a tag rule's xattr), or one after a covered change of the
   * same batch, can find a document to delete: any other would send a delete per filtered row.
   */
  uncover(event: FileEvent, crossing: boolean): void {
    if (event.operation === 'ACCESS' || event.operation === 'DELETE') return;
    const wasCovered = this.lastWritten.delete(event.inodeId);
    if (crossing || wasCovered) this.outside.set(event.inodeId, event.logicalTime);
  }

  /** Live inodes whose newest change in the batch left them outside the covered set. */
  uncovered(): { inodeId: number; logicalTime: number }[] {
    const out: { inodeId: number; logicalTime: number }[] = [];
    for (const [inodeId, logicalTime] of this.outside)
      if (!this.deleted.has(inodeId)) out.push({ inodeId, logicalTime });
    return out;
  }

  deletes(): EnrichResult['deletes'] {
    return [...this.deleted].map(([inodeId, logicalTime]) => ({ inodeId, logicalTime }));
  }

  /** Inodes whose document is rewritten from their current state: written, and not deleted. */
  upsertIds(): number[] {
    const ids: number[] = [];
    for (const [inodeId, event] of this.lastWritten) {
      if (event.operation !== 'DELETE' && !this.deleted.has(inodeId)) ids.push(inodeId);
    }
    return ids;
  }

  /** The logical time of the inode's newest written change in the batch. */
  newestLogicalTime(inodeId: number): number {
    return this.lastWritten.get(inodeId)!.logicalTime;
  }

  /** One document per state, placed where the inode is now. */
  async docs(states: InodeState[], tree: PathTree, reader: MetadataReader): Promise<DocView[]> {
    // States are current, so their parents may be directories this batch has not seen.
    await tree.ensure(
      states.map((s) => s.parentId),
      reader,
    );
    return states.map((state) => {
      const parentPath = tree.path(state.parentId);
      return {
        state,
        path: parentPath === null ? null : joinPath(parentPath, state.name),
        ancestorIds: tree.chain(state.parentId) ?? [],
        last: this.lastWritten.get(state.inodeId)!,
      };
    });
  }
}
