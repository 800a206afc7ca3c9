import type { ArtifactState, LineageEdge, ProvenanceOperationRecord } from '@epipe/core';

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

/**
 * What the queries read. sink-elastic's ProvenanceIndex implements it (the only Elasticsearch
 * client user); tests may pass a fake. Every method is one request.
 */
export interface ProvenanceReader {
  artifacts(ids: readonly number[], signal?: AbortSignal): Promise<ArtifactState[]>;
  edges(
    ids: readonly number[],
    direction: 'up' | 'down',
    options: { asOfMs?: number; size: number },
    signal?: AbortSignal,
  ): Promise<LineageEdge[]>;
  operations(
    query: {
      artifactIds?: number[];
      appId?: string;
      ops?: string[];
      sinceMs?: number;
      untilMs?: number;
      size?: number;
    },
    signal?: AbortSignal,
  ): Promise<ProvenanceOperationRecord[]>;
  resolve(
    by: { path: string } | { project: string; name: string; version: number | null },
    asOfMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<number | null>;
  searchInodes(
    query: {
      text?: string;
      project?: string;
      under?: string;
      xattrs?: Record<string, string>;
      size?: number;
    },
    signal?: AbortSignal,
  ): Promise<FileHit[]>;
}
