import type { FileEvent, InodeState } from '@epipe/core';
import { poisonRows } from './poison';

const config = { orphanWaitMs: 2_000, maxXattrBytes: 100 };

function event(logId: number, inodeId: number, extra: Partial<FileEvent> = {}): FileEvent {
  return { logId, inodeId, operation: 'XATTR_ADD', xattrName: 'tag', ...extra } as FileEvent;
}

function state(inodeId: number, oversizedXattrs?: Record<string, number>): InodeState {
  return { inodeId, ...(oversizedXattrs ? { oversizedXattrs } : {}) } as InodeState;
}

describe('poisonRows', () => {
  it('dead-letters every row of an orphan, saying how long it was read again', () => {
    const dead = poisonRows(
      [event(1, 10, { operation: 'CREATE', xattrName: null }), event(2, 10), event(3, 11)],
      { states: [state(11)], orphans: new Set([10]), waitedMs: 1_234 },
      7,
      config,
    );
    expect(dead.map((d) => [d.logId, d.inodeId, d.stage, d.epoch])).toEqual([
      [1, 10, 'enrich', 7],
      [2, 10, 'enrich', 7],
    ]);
    expect(dead[0]!.reason).toContain('read again for 1234 ms, enrich.orphanWaitMs 2000');
    expect(dead[0]!.row).toMatchObject({ logId: 1 });
  });

  it('dead-letters a row setting an oversized xattr, named bare or with its namespace', () => {
    const dead = poisonRows(
      [event(1, 10), event(2, 11, { operation: 'XATTR_UPDATE', xattrName: 'big' }), event(3, 12)],
      {
        states: [state(10, { tag: 500 }), state(11, { 'trusted.big': 300 }), state(12, { other: 900 })],
        orphans: new Set(),
        waitedMs: 0,
      },
      7,
      config,
    );
    expect(dead.map((d) => [d.logId, d.reason])).toEqual([
      [1, 'xattr tag of inode 10 is 500 bytes, over the 100-byte limit'],
      [2, 'xattr trusted.big of inode 11 is 300 bytes, over the 100-byte limit'],
    ]);
  });

  it('lets through other operations on an inode with an oversized xattr, and a name that only ends alike', () => {
    const dead = poisonRows(
      [
        event(1, 10, { operation: 'APPEND', xattrName: null }),
        event(2, 10, { operation: 'XATTR_DELETE' }),
        event(3, 10, { xattrName: 'ag' }),
      ],
      { states: [state(10, { tag: 500 })], orphans: new Set(), waitedMs: 0 },
      7,
      config,
    );
    expect(dead).toEqual([]);
  });
});
