import type { ArtifactState, FileEvent } from '@epipe/core';
import { createClassifier } from './classify';
import { containerRenameEvents, isContainerRename } from './reclassify';

const classify = createClassifier();

function rename(oldPath: string, path: string, over: Partial<FileEvent> = {}): FileEvent {
  return {
    schema: 'epipe.file-event',
    schemaVersion: 1,
    eventId: 'meta/77',
    epoch: 1,
    seq: 0,
    logId: 77,
    inodeId: 6,
    parentId: 5,
    logicalTime: 3,
    operation: 'RENAME',
    isDir: true,
    name: path.split('/').at(-1)!,
    path,
    oldPath,
    project: { id: 3, name: 'p' },
    dataset: null,
    user: { id: 1, name: 'alice' },
    xattrName: null,
    app: null,
    commitTsMs: 5_000,
    ...over,
  };
}

function model(id: number, path: string): ArtifactState {
  const [name, version] = path.split('/').slice(-2);
  return {
    id,
    kind: 'MODEL',
    project: 'p',
    name: name!,
    version: Number(version),
    path,
    ancestorIds: [1, 2, 3, 5, 6],
    xattrs: {},
    logicalTime: 1,
    created: null,
    deleted: null,
  };
}

describe('a rename of a directory above artifacts', () => {
  it('is a container rename only for directories that belong to no artifact', () => {
    expect(isContainerRename(rename('/Projects/p/Models/fraud', '/Projects/p/Models/fraud2'), classify)).toBe(
      true,
    );
    expect(isContainerRename(rename('/Projects/p', '/Projects/q'), classify)).toBe(true);
    // The root itself: its own METADATA(rename), from the coalescer.
    expect(
      isContainerRename(rename('/Projects/p/Models/fraud/1', '/Projects/p/Models/fraud/2'), classify),
    ).toBe(false);
    // Inside a dataset: no artifact can be below it.
    expect(isContainerRename(rename('/Projects/p/Resources/a', '/Projects/p/Resources/b'), classify)).toBe(
      false,
    );
    // A file, or a directory moved out of or into an artifact.
    expect(
      isContainerRename(rename('/Projects/p/Models/a', '/Projects/p/Models/b', { isDir: false }), classify),
    ).toBe(false);
    expect(
      isContainerRename(rename('/Projects/p/Models/fraud', '/Projects/p/Resources/fraud'), classify),
    ).toBe(false);
  });

  it('re-derives each artifact below from its new path, keeping its id', () => {
    const below = [model(61, '/Projects/p/Models/fraud/2'), model(60, '/Projects/p/Models/fraud/1')];
    const events = containerRenameEvents(
      rename('/Projects/p/Models/fraud', '/Projects/p/Models/fraud2'),
      below,
      classify,
      'meta',
    );
    expect(
      events.map((e) => [
        e.artifact.id,
        e.op,
        e.detail,
        e.artifact.name,
        e.artifact.version,
        e.artifact.path,
      ]),
    ).toEqual([
      [60, 'METADATA', 'rename', 'fraud2', 1, '/Projects/p/Models/fraud2/1'],
      [61, 'METADATA', 'rename', 'fraud2', 2, '/Projects/p/Models/fraud2/2'],
    ]);
    expect(events.every((e) => e.count === 1 && e.logIds[0] === 77)).toBe(true);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);
  });

  it('gives a replay the same ids, also when the artifacts already show their new path', () => {
    const event = rename('/Projects/p/Models/fraud', '/Projects/p/Models/fraud2');
    const first = containerRenameEvents(event, [model(60, '/Projects/p/Models/fraud/1')], classify, 'meta');
    const again = containerRenameEvents(event, [model(60, '/Projects/p/Models/fraud2/1')], classify, 'meta');
    expect(again).toEqual(first);
  });

  it('moves a project: the owner changes; leaves what no longer fits a convention, and what is elsewhere', () => {
    const events = containerRenameEvents(
      rename('/Projects/p', '/Projects/q'),
      [model(60, '/Projects/p/Models/fraud/1'), model(70, '/Projects/x/Models/churn/1')],
      classify,
      'meta',
    );
    expect(events.map((e) => [e.artifact.id, e.artifact.project, e.artifact.path])).toEqual([
      [60, 'q', '/Projects/q/Models/fraud/1'],
    ]);
    // Models moved under a dataset: the model would be a dataset's folder, not an artifact root.
    const lost = containerRenameEvents(
      rename('/Projects/p/Models', '/Projects/p/Resources/Models'),
      [model(60, '/Projects/p/Models/fraud/1')],
      classify,
      'meta',
    );
    expect(lost).toEqual([]);
  });
});
