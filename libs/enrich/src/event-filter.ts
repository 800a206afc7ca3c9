import type { FileEvent } from '@epipe/core';

/** Decides which events are published; the filter stage implements it. */
export interface EventFilter {
  /** The xattrs the rules read, on the inode or its nearest ancestor that has any of them. */
  readonly tagNames: readonly string[];
  /** `tags`: that nearest tagged inode's values of those xattrs, or null when none has them. */
  decide(event: FileEvent, tags: Readonly<Record<string, string>> | null): { keep: boolean; rule: string };
  /**
   * Whether the search index holds an inode at this path with these tags (the path and tag
   * rules; the operation rules choose only what is published). Without it, what is published
   * is what is indexed.
   */
  covers?(path: string | null, tags: Readonly<Record<string, string>> | null): boolean;
  /** Whether any path or tag rule can leave an inode out (see readSubtree): false when absent. */
  readonly scoped?: boolean;
  /**
   * Whether moving a directory from one place to the other (its path, and the tags it has or
   * inherits there) can change what the path and tag rules say of an inode below it; when
   * absent, every move of a scoped filter may.
   */
  movesCoverage?(
    from: { path: string; tags: Readonly<Record<string, string>> | null },
    to: { path: string; tags: Readonly<Record<string, string>> | null },
  ): boolean;
}

/** No filter stage: every event is published. */
export const KEEP_ALL: EventFilter = { tagNames: [], decide: () => ({ keep: true, rule: 'kept' }) };
