import type { ArtifactState, DeadLetter, FileEvent, LineageEdge, ProvenanceEvent } from '@epipe/core';
import type { AppHistory, RootSnapshot } from '@epipe/provenance';
import type { InodeChange, SubtreeOutcome, SubtreePage } from '@epipe/sink-elastic';

/** What the pipeline needs of each sink; the real sinks and the test fakes both fit. */
export interface EventPublisher {
  publish(
    events: FileEvent[],
    signal?: AbortSignal,
  ): Promise<{ rejected: { event: FileEvent; reason: string }[] } | void>;
  /** Letters the topic refused even without their rows come back (see the Kafka sink). */
  publishDeadLetters(letters: DeadLetter[], signal?: AbortSignal): Promise<{ refused: DeadLetter[] } | void>;
}

export interface SearchIndexer {
  apply(
    changes: InodeChange[],
    signal?: AbortSignal,
  ): Promise<{ rejected: { change: InodeChange; reason: string }[] }>;
  /**
   * Makes the index hold exactly one page's covered descendants of a directory that crossed the
   * filters' boundary (see resync.ts); without it such subtrees are not read again.
   */
  syncSubtree?(page: SubtreePage, signal?: AbortSignal): Promise<SubtreeOutcome>;
  /**
   * Whether a search finds the inode's document at this version or newer (see
   * searchable-probe.ts); without it searchable lag is not measured.
   */
  searchable?(inodeId: number, version: number, signal?: AbortSignal): Promise<boolean>;
  /** Keeps dead letters in a dead-letter index: where they go when Kafka is off or refuses them. */
  recordDeadLetters?(letters: DeadLetter[], signal?: AbortSignal): Promise<void>;
}

/** Kafka's part of the coalesce stage: provenance events, keyed by artifact id. */
export interface ProvenancePublisher {
  publishProvenance(
    events: ProvenanceEvent[],
    signal?: AbortSignal,
  ): Promise<{ rejected: { event: ProvenanceEvent; reason: string }[] } | void>;
}

/** What a provenance index refused for what it is (a 400), by document id. */
export interface ProvenanceWriteOutcome {
  rejected: { id: string; reason: string }[];
}

/** Elasticsearch's part: operations, artifact documents and lineage edges, and the reads they need. */
export interface ProvenanceIndexWriter {
  writeOperations(events: readonly ProvenanceEvent[], signal?: AbortSignal): Promise<ProvenanceWriteOutcome>;
  writeArtifacts(artifacts: readonly ArtifactState[], signal?: AbortSignal): Promise<ProvenanceWriteOutcome>;
  writeEdges(edges: readonly LineageEdge[], signal?: AbortSignal): Promise<ProvenanceWriteOutcome>;
  /** The current documents of these artifacts (missing ones left out). */
  artifacts(ids: readonly number[], signal?: AbortSignal): Promise<ArtifactState[]>;
  /** Live artifacts below these directories (by ancestor id): a container rename renames them. */
  artifactsUnder(dirIds: readonly number[], signal?: AbortSignal): Promise<ArtifactState[]>;
  /** Directories as the inode index holds them: roots of artifacts first seen through a read. */
  rootSnapshots(ids: readonly number[], signal?: AbortSignal): Promise<Map<number, RootSnapshot>>;
  /** What an app read and wrote so far (the edge builder's cache miss). */
  appHistory(appId: string, signal?: AbortSignal): Promise<AppHistory>;
}
