import type { ProvenanceReader as CoreProvenanceReader } from '@epipe/core';

/** A live file as the inode index holds it (the fields the queries show). */
export interface FileHit {
  inode_id: number;
  name: string;
  path: string;
  is_dir: boolean;
  size: number;
  owner: string | null;
  project: string | null;
  dataset: string | null;
  xattrs: Record<string, string>;
  last_commit_ts: number;
}

/** What the queries read (see core's ProvenanceReader), with files as FileHit. */
export type ProvenanceReader = CoreProvenanceReader<FileHit>;
