import type { DeadLetter, FileEvent, InodeState } from '@epipe/core';
import type { CurrentStates } from './reread';

/**
 * Poison detection: rows that cannot be delivered. Their inode is gone although no DELETE is
 * pending (a DELETE always follows in the log when the name node removed it, so this is
 * corruption), or they set an xattr whose value is over the limit. They go to the dead-letter
 * topic instead of the sinks.
 */
export function poisonRows(
  events: readonly FileEvent[],
  read: CurrentStates,
  epoch: number,
  config: { orphanWaitMs: number; maxXattrBytes: number },
): DeadLetter[] {
  const dead: DeadLetter[] = [];
  const found = new Map<number, InodeState>(read.states.map((s) => [s.inodeId, s]));
  for (const event of events) {
    if (read.orphans.has(event.inodeId)) {
      dead.push(
        letter(
          event,
          epoch,
          `inode ${event.inodeId} no longer exists and no DELETE for it is pending (read again for ${read.waitedMs} ms, enrich.orphanWaitMs ${config.orphanWaitMs})`,
        ),
      );
      continue;
    }
    const big = found.get(event.inodeId)?.oversizedXattrs;
    if (
      !big ||
      event.xattrName === null ||
      (event.operation !== 'XATTR_ADD' && event.operation !== 'XATTR_UPDATE')
    ) {
      continue;
    }
    const name = event.xattrName;
    // States name a non-user xattr with its namespace ("trusted.tag"); a log row names it without.
    const key = Object.keys(big).find((k) => k === name || k.endsWith(`.${name}`));
    if (key !== undefined) {
      dead.push(
        letter(
          event,
          epoch,
          `xattr ${key} of inode ${event.inodeId} is ${big[key]} bytes, over the ${config.maxXattrBytes}-byte limit`,
        ),
      );
    }
  }
  return dead;
}

function letter(event: FileEvent, epoch: number, reason: string): DeadLetter {
  return { logId: event.logId, inodeId: event.inodeId, stage: 'enrich', reason, row: event, epoch };
}
