import { FILE_EVENT_SCHEMA } from '@epipe/core';
import { namesFromPath, noneUnresolved, toFileEvent } from './file-event';
import { NameCaches } from './names';
import { row, world } from './testing/fixtures';

describe('toFileEvent', () => {
  async function names(): Promise<NameCaches> {
    const caches = new NameCaches({ users: 1e5, projects: 1e5, datasets: 1e5, contexts: 1e5 });
    const rows = [
      row('CREATE', 10, 4, 'f', { projectId: 5, datasetId: 9, userId: 77, appId: 'application_1_0001' }),
      row('CREATE', 11, 4, 'g', { appId: 'application_9_0009' }),
    ];
    await caches.prefetch(rows, world(), () => () => undefined);
    return caches;
  }
  const at = { sourceName: 'meta', epoch: 7, seq: 3 };

  it('carries the row, its place, and the names and context the caches hold', async () => {
    const unresolved = noneUnresolved();
    const event = toFileEvent(
      row('RENAME', 10, 4, 'f', { projectId: 5, appId: 'application_1_0001', logId: 500 }),
      at,
      { path: '/Projects/p/data/f', oldPath: '/Projects/p/data/e', oldAncestorIds: [1, 2, 3, 4] },
      await names(),
      unresolved,
    );
    expect(event).toMatchObject({
      schema: FILE_EVENT_SCHEMA,
      eventId: 'meta/500',
      epoch: 7,
      seq: 3,
      path: '/Projects/p/data/f',
      oldPath: '/Projects/p/data/e',
      project: { id: 5, name: 'p' },
      dataset: null,
      user: { id: 1, name: 'alice' },
      app: { appId: 'application_1_0001', jobName: 'train' },
    });
    expect(unresolved).toEqual(noneUnresolved());
  });

  it('names a project and dataset whose rows are gone from the path, and counts what stays unknown', async () => {
    const unresolved = noneUnresolved();
    const caches = await names();
    const event = toFileEvent(
      row('CREATE', 10, 4, 'f', { projectId: 6, datasetId: 9, userId: 77, appId: 'application_9_0009' }),
      at,
      { path: null, oldPath: '/Projects/q/raw/f', oldAncestorIds: null },
      caches,
      unresolved,
    );
    expect(event.project).toEqual({ id: 6, name: 'q' });
    expect(event.dataset).toEqual({ id: 9, name: 'raw' });
    expect(event.user).toEqual({ id: 77, name: null });
    expect(event.app).toMatchObject({ appId: 'application_9_0009', jobName: null });
    expect(unresolved).toEqual({ path: 1, project: 0, dataset: 0, user: 1, app: 1 });
  });
});

describe('namesFromPath', () => {
  it('takes project and dataset from /Projects/<project>/<dataset>/...', () => {
    expect(namesFromPath('/Projects/p/data/x/y')).toEqual({ project: 'p', dataset: 'data' });
    expect(namesFromPath('/Projects/p')).toEqual({ project: 'p', dataset: null });
    expect(namesFromPath('/tmp/x')).toEqual({ project: null, dataset: null });
    expect(namesFromPath(null)).toEqual({ project: null, dataset: null });
  });
});
