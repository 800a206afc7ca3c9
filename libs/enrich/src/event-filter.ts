import type { FileEvent } from '@epipe/core';

/** Decides which events are published; the filter stage implements it. */
export interface EventFilter {
  /** The xattrs the rules read, on the inode or its nearest ancestor that has any of them. */
  readonly tagNames: readonly string[];
  /** `tags`: that nearest tagged inode's values of those xattrs, or null when none has them. */
  decide(event: FileEvent, tags: Readonly<Record<string, string>> | null): { keep: boolean; rule: string };
}

/** No filter stage: every event is published. */
export const KEEP_ALL: EventFilter = { tagNames: [], decide: () => ({ keep: true, rule: 'kept' }) };
