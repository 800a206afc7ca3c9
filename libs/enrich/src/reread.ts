import { type InodeState, sleep } from '@epipe/core';
import type { MetadataReader } from './reader';

/** Pauses between re-reads: short first (most commits are visible within milliseconds). */
export function rereadDelays(totalMs: number): number[] {
  const delays: number[] = [];
  let spent = 0;
  for (let next = 5; spent < totalMs; next = Math.min(next * 2, 1_000)) {
    const delay = Math.min(next, totalMs - spent);
    delays.push(delay);
    spent += delay;
  }
  return delays;
}

export interface CurrentStates {
  /** In the order of the ids asked for; the gone ones left out. */
  states: InodeState[];
  /** Inodes gone although no DELETE for them is pending. */
  orphans: Set<number>;
  /** How long the reads took, re-reads and pauses included. */
  waitedMs: number;
}

/**
 * The current state of each inode, at least as new as `newestLogicalTime(id)` (its newest row in
 * the batch), and the inodes gone without a pending DELETE (orphans).
 *
 * MariaDB writes a transaction to the binlog, and so streams it to epipe, before its InnoDB
 * commit is visible to other sessions (two-phase commit: binlog first, engine second). A lookup
 * made right after the event can miss the change: the inode not there yet, or its previous
 * version. Such reads are repeated for a moment (`orphanWaitMs`); an inode still missing then,
 * with no DELETE in the log table, is an orphan. A gone inode with a DELETE pending is normal and
 * not re-read.
 */
export async function readCurrentStates(
  reader: MetadataReader,
  ids: number[],
  newestLogicalTime: (inodeId: number) => number,
  config: { orphanWaitMs: number; maxXattrBytes: number },
): Promise<CurrentStates> {
  const delays = rereadDelays(config.orphanWaitMs);
  const started = Date.now();
  const found = new Map<number, InodeState>();
  let orphans = new Set<number>();
  let pending = ids;
  for (let attempt = 0; pending.length > 0; attempt++) {
    for (const s of await reader.states(pending, config.maxXattrBytes)) found.set(s.inodeId, s);
    const missing = pending.filter((id) => !found.has(id));
    const deleted = missing.length > 0 ? await reader.pendingDeletes(missing) : new Set<number>();
    orphans = new Set(missing.filter((id) => !deleted.has(id)));
    pending = pending.filter((id) => {
      const state = found.get(id);
      return state ? state.logicalTime < newestLogicalTime(id) : orphans.has(id);
    });
    const delay = delays[attempt];
    if (pending.length === 0 || delay === undefined) break;
    await sleep(delay);
  }
  return { states: ids.flatMap((id) => found.get(id) ?? []), orphans, waitedMs: Date.now() - started };
}
