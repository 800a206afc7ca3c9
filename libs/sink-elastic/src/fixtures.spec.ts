// Shared by this lib's tests (the .spec.ts suffix keeps it out of the build; jest runs only
// *.unit.spec.ts and *.int.spec.ts).
import { ancestorPaths, type InodeDoc } from './doc';

/**
 * A document for `path`; ancestor ids are derived from `ids` (path -> inode id) when given,
 * otherwise made up from the depth, which is enough for tests that do not move directories.
 */
export function docAt(
  inodeId: number,
  path: string,
  overrides: Partial<InodeDoc> = {},
  ids?: ReadonlyMap<string, number>,
): InodeDoc {
  const name = path.split('/').pop() ?? '';
  const ancestorIds = ancestorPaths(path).map((p, i) => ids?.get(p) ?? 1 + i);
  return {
    inodeId,
    parentId: ancestorIds[ancestorIds.length - 1] ?? 0,
    name,
    path,
    ancestorIds,
    isDir: false,
    size: 1024,
    owner: 'demo__meb10000',
    group: 'demo',
    permission: 0o644,
    mtimeMs: 1_700_000_000_000,
    logicalTime: 1,
    xattrs: {},
    lastOperation: 'CREATE',
    lastAppId: null,
    lastCommitTsMs: 1_700_000_000_000,
    ...overrides,
  };
}
