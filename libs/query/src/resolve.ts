import type { ProvenanceReader } from './ports';

/** What the user asked for cannot be answered as asked (a CLI exits 2, without a stack trace). */
export class QueryInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryInputError';
  }
}

/** How a user names an artifact: its id, its root path, or `name/version` in a project. */
export type ArtifactSelector =
  { id: number } | { path: string } | { project: string; name: string; version: number | null };

/**
 * Parses what a user typed: digits are an id, a leading '/' a path, otherwise `name/version`
 * or `name` (unversioned kinds), which needs a project.
 */
export function parseSelector(text: string, project: string | undefined): ArtifactSelector {
  const t = text.trim();
  if (/^[0-9]+$/.test(t)) return { id: Number(t) };
  if (t.startsWith('/')) return { path: t.replace(/\/+$/, '') };
  if (!project) throw new QueryInputError(`"${t}" is a name: say which project with --project`);
  const m = /^(.+)\/([0-9]+)$/.exec(t);
  return m ? { project, name: m[1]!, version: Number(m[2]) } : { project, name: t, version: null };
}

/** The artifact id, or an error naming what was not found. */
export async function resolveArtifact(
  reader: ProvenanceReader,
  selector: ArtifactSelector,
  asOfMs: number | undefined,
  signal?: AbortSignal,
): Promise<number> {
  if ('id' in selector) return selector.id;
  const id = await reader.resolve(selector, asOfMs, signal);
  if (id === null) {
    const what =
      'path' in selector
        ? selector.path
        : `${selector.project}: ${selector.name}${selector.version === null ? '' : `/${selector.version}`}`;
    throw new QueryInputError(
      `no artifact ${what}${asOfMs === undefined ? '' : ` as of ${new Date(asOfMs).toISOString()}`}`,
    );
  }
  return id;
}
