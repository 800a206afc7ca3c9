import type { InodeState } from '@epipe/core';
import type { ResyncView, SubtreePage } from '@epipe/enrich';
import type { SubtreePage as IndexPage } from '@epipe/sink-elastic';
import { resyncSubtrees, UNKNOWN_OPERATION } from './resync';

const view: ResyncView = {
  dirInodeId: 10,
  logId: 5,
  epoch: 42,
  path: '/p/in',
  ancestorIds: [1, 10],
  tags: null,
};

function state(inodeId: number, logicalTime: number): InodeState {
  return {
    inodeId,
    parentId: 10,
    name: `f${inodeId}`,
    isDir: false,
    size: inodeId,
    owner: 'alice',
    group: 'alice',
    permission: 0o644,
    mtimeMs: 1_000 + inodeId,
    logicalTime,
    xattrs: {},
  };
}

const pages: SubtreePage[] = [
  {
    covered: [
      { state: state(11, 3), path: '/p/in/f11', ancestorIds: [1, 10], last: null },
      {
        state: state(12, 4),
        path: '/p/in/f12',
        ancestorIds: [1, 10],
        last: { logicalTime: 4, operation: 'APPEND', appId: 'app_1', commitTsMs: 9 },
      },
    ],
    uncovered: [13],
  },
  { covered: [], uncovered: [14, 15] },
];

async function* pagesOf(list: SubtreePage[]): AsyncGenerator<SubtreePage> {
  for (const p of list) yield await Promise.resolve(p);
}

describe('resyncSubtrees', () => {
  it('hands the index each page in turn, as documents at the state now, from the batch epoch', async () => {
    const seen: IndexPage[] = [];
    const outcome = await resyncSubtrees(
      [view],
      { subtree: () => pagesOf(pages) },
      {
        syncSubtree: (page) => {
          seen.push(page);
          return Promise.resolve({ written: page.docs.length, kept: 0, deleted: 1, rejected: [] });
        },
      },
    );
    expect(outcome).toMatchObject({
      pages: 2,
      covered: 2,
      uncovered: 3,
      documents: { written: 2, kept: 0, deleted: 2, rejected: 0 },
      rejected: [],
    });
    expect(seen.map((p) => p.absent)).toEqual([[13], [14, 15]]);
    const [unknown, known] = seen[0]!.docs;
    // The row of f11's state is gone: its change is unknown, its commit time the mtime.
    expect(unknown).toMatchObject({
      inodeId: 11,
      path: '/p/in/f11',
      logicalTime: 3,
      lastOperation: UNKNOWN_OPERATION,
      lastAppId: null,
      lastCommitTsMs: 1_011,
      pathEpoch: 42,
    });
    expect(known).toMatchObject({ inodeId: 12, logicalTime: 4, lastOperation: 'APPEND', lastAppId: 'app_1' });
  });

  it('returns what the index refused with the view that asked for it', async () => {
    const outcome = await resyncSubtrees(
      [view],
      { subtree: () => pagesOf(pages.slice(0, 1)) },
      {
        syncSubtree: (page) =>
          Promise.resolve({
            written: 0,
            kept: 1,
            deleted: 0,
            rejected: [{ change: { kind: 'upsert', doc: page.docs[0]! }, reason: 'too big' }],
          }),
      },
    );
    expect(outcome.rejected).toEqual([expect.objectContaining({ view, reason: 'too big' })]);
    expect(outcome.documents).toEqual({ written: 0, kept: 1, deleted: 0, rejected: 1 });
  });

  it('stops between pages once aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = resyncSubtrees(
      [view],
      { subtree: () => pagesOf(pages) },
      {
        syncSubtree: () => {
          calls++;
          controller.abort(new Error('fenced'));
          return Promise.resolve({ written: 0, kept: 0, deleted: 0, rejected: [] });
        },
      },
      controller.signal,
    );
    await expect(run).rejects.toThrow('fenced');
    expect(calls).toBe(1);
  });
});
