import type { ArtifactKind } from '@epipe/core';

/**
 * One artifact convention: a path template whose segments may hold placeholders.
 * `{project}` is any segment (the same value wherever it appears), `{name}` any text,
 * `{version}` digits. The segments before the first `{name}`/`{version}` are the convention's
 * container: a path inside the container but not deep enough, or not fitting the rest, is not
 * an artifact, and no later pattern is tried for it.
 */
export interface ArtifactPattern {
  kind: ArtifactKind;
  template: string;
}

/** First match wins: the dataset convention comes last because it matches any project folder. */
export const DEFAULT_ARTIFACT_PATTERNS: readonly ArtifactPattern[] = [
  { kind: 'FEATURE_GROUP', template: '/Projects/{project}/{project}_featurestore.db/{name}_{version}' },
  { kind: 'TRAINING_DATASET', template: '/Projects/{project}/{project}_Training_Datasets/{name}_{version}' },
  { kind: 'MODEL', template: '/Projects/{project}/Models/{name}/{version}' },
  { kind: 'EXPERIMENT', template: '/Projects/{project}/Experiments/{name}' },
  { kind: 'DATASET', template: '/Projects/{project}/{name}' },
];

export interface Classification {
  kind: ArtifactKind;
  project: string;
  name: string;
  version: number | null;
  /** The artifact's root directory. */
  rootPath: string;
  /** Segments of the root path, '/Projects' being 1: the index of the root in ancestor lists. */
  rootDepth: number;
  /** Whether the classified path is the root itself. */
  isRoot: boolean;
}

export type Classifier = (path: string) => Classification | null;

interface CompiledSegment {
  regex: RegExp;
  names: string[];
}

interface CompiledPattern {
  kind: ArtifactKind;
  segments: CompiledSegment[];
  /** Number of leading segments that form the container (no {name}/{version}). */
  containerLength: number;
}

const PLACEHOLDERS: Record<string, string> = {
  project: '([^/]+)',
  name: '(.+)',
  version: '([0-9]+)',
};

function compileSegment(template: string, what: string): CompiledSegment {
  const names: string[] = [];
  let source = '';
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    if (open < 0) {
      source += escapeRegex(rest);
      break;
    }
    source += escapeRegex(rest.slice(0, open));
    const close = rest.indexOf('}', open);
    const name = close < 0 ? undefined : rest.slice(open + 1, close);
    const group = name === undefined ? undefined : PLACEHOLDERS[name];
    if (name === undefined || group === undefined)
      throw new Error(`artifact pattern ${what}: unknown placeholder in ${JSON.stringify(template)}`);
    names.push(name);
    source += group;
    rest = rest.slice(close + 1);
  }
  return { regex: new RegExp(`^${source}$`), names };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(pattern: ArtifactPattern): CompiledPattern {
  const parts = splitPath(pattern.template);
  if (!parts) throw new Error(`artifact pattern ${pattern.kind}: template must be absolute`);
  const segments = parts.map((p) => compileSegment(p, pattern.kind));
  const firstVariable = segments.findIndex((s) => s.names.includes('name') || s.names.includes('version'));
  if (firstVariable < 0)
    throw new Error(`artifact pattern ${pattern.kind}: template needs {name} or {version}`);
  if (!segments.some((s) => s.names.includes('project')))
    throw new Error(`artifact pattern ${pattern.kind}: template needs {project}`);
  return { kind: pattern.kind, segments, containerLength: firstVariable };
}

function splitPath(path: string): string[] | null {
  if (!path.startsWith('/')) return null;
  return path.split('/').filter((s) => s.length > 0);
}

type Match =
  { kind: 'none' } | { kind: 'owned' } | { kind: 'artifact'; values: Map<string, string>; length: number };

function match(pattern: CompiledPattern, parts: string[]): Match {
  const values = new Map<string, string>();
  const bound = (i: number): boolean => {
    const segment = pattern.segments[i]!;
    const m = segment.regex.exec(parts[i]!);
    if (!m) return false;
    for (let g = 0; g < segment.names.length; g++) {
      const name = segment.names[g]!;
      const value = m[g + 1]!;
      const previous = values.get(name);
      if (previous !== undefined && previous !== value) return false;
      values.set(name, value);
    }
    return true;
  };
  // The path must reach past the container to be owned by this convention at all.
  if (parts.length < pattern.containerLength) return { kind: 'none' };
  for (let i = 0; i < pattern.containerLength; i++) if (!bound(i)) return { kind: 'none' };
  if (parts.length < pattern.segments.length) return { kind: 'owned' };
  for (let i = pattern.containerLength; i < pattern.segments.length; i++)
    if (!bound(i)) return { kind: 'owned' };
  return { kind: 'artifact', values, length: pattern.segments.length };
}

/**
 * Builds a classifier from the conventions, in order. Returns, for any path, the artifact it
 * belongs to (its root and the root's name, version and project), or null when the path is
 * no artifact's: outside /Projects, a project folder itself, a container such as
 * `Models/fraud`, or an unversioned folder where a version is expected.
 */
export function createClassifier(
  patterns: readonly ArtifactPattern[] = DEFAULT_ARTIFACT_PATTERNS,
): Classifier {
  const compiled = patterns.map(compile);
  return (path: string): Classification | null => {
    const parts = splitPath(path);
    if (!parts) return null;
    for (const pattern of compiled) {
      const m = match(pattern, parts);
      if (m.kind === 'none') continue;
      if (m.kind === 'owned') return null;
      const project = m.values.get('project')!;
      const name = m.values.get('name');
      const version = m.values.get('version');
      return {
        kind: pattern.kind,
        project,
        name: name ?? version!,
        version: version === undefined ? null : Number(version),
        rootPath: '/' + parts.slice(0, m.length).join('/'),
        rootDepth: m.length,
        isRoot: parts.length === m.length,
      };
    }
    return null;
  };
}
