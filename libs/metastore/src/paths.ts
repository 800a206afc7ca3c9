import { EpipeError } from '@epipe/core';

/** HopsFS/HDFS limits: a name is at most 255 bytes, a path at most 8000 characters. */
export const MAX_NAME_BYTES = 255;
export const MAX_PATH_CHARS = 8000;
export const MAX_PATH_DEPTH = 1000;
export const MAX_PERMISSION = 0o7777;
export const PROJECTS_DIR = 'Projects';

export function invalid(message: string): EpipeError {
  return new EpipeError('INVALID_OPERATION', message);
}

/** Throws unless `name` can be one component of a path. */
export function validateName(name: string, what = 'name'): void {
  if (name.length === 0) throw invalid(`${what} is empty`);
  if (name.includes('/')) throw invalid(`${what} ${JSON.stringify(name)} contains '/'`);
  if (name.includes('\0')) throw invalid(`${what} ${JSON.stringify(name)} contains a NUL character`);
  if (name === '.' || name === '..') throw invalid(`${what} ${JSON.stringify(name)} is reserved`);
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES)
    throw invalid(`${what} is ${bytes} bytes long; the limit is ${MAX_NAME_BYTES} bytes`);
}

/**
 * Splits an absolute path into its components; '/' is the root and gives []. Paths are taken
 * literally: no '.', '..', empty components or trailing '/', so one path names one inode.
 */
export function parsePath(path: string): string[] {
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw invalid(`path ${JSON.stringify(path)} is not absolute`);
  if (path.length > MAX_PATH_CHARS)
    throw invalid(`path is ${path.length} characters long; the limit is ${MAX_PATH_CHARS}`);
  if (path === '/') return [];
  const names = path.slice(1).split('/');
  if (names.length > MAX_PATH_DEPTH)
    throw invalid(`path has ${names.length} components; the limit is ${MAX_PATH_DEPTH}`);
  for (const name of names) validateName(name, `path ${JSON.stringify(path)}: component`);
  return names;
}

export function formatPath(names: readonly string[]): string {
  return `/${names.join('/')}`;
}

/** Parses a path that must not be the root: every operation except lookups refuses the root. */
export function parseNonRootPath(path: string, operation: string): string[] {
  const names = parsePath(path);
  if (names.length === 0) throw invalid(`${operation} on the root directory is not allowed`);
  return names;
}

export function validatePermission(permission: unknown): number {
  if (
    typeof permission !== 'number' ||
    !Number.isInteger(permission) ||
    permission < 0 ||
    permission > MAX_PERMISSION
  )
    throw invalid(`permission ${String(permission)} is not an integer in 0..0o7777`);
  return permission;
}

export function validateSize(size: unknown, what: string): number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw invalid(`${what} ${String(size)} is not a non-negative integer`);
  return size;
}

/**
 * Where a path sits in the Hopsworks layout. Projects and datasets are made by createProject and
 * createDataset/mkdir, and are never renamed or moved, so their ids follow from the path alone.
 */
export type PathKind = 'root' | 'projects' | 'project' | 'dataset' | 'in-dataset' | 'outside';

export function pathKind(names: readonly string[]): PathKind {
  if (names.length === 0) return 'root';
  if (names[0] !== PROJECTS_DIR) return 'outside';
  if (names.length === 1) return 'projects';
  if (names.length === 2) return 'project';
  if (names.length === 3) return 'dataset';
  return 'in-dataset';
}

/** Hopsworks project names: letters, digits and '_' (they also name a group and Kafka topics). */
export function validateProjectName(name: string): void {
  if (!/^[A-Za-z0-9_]{1,100}$/.test(name))
    throw invalid(`project name ${JSON.stringify(name)} must be 1..100 letters, digits or '_'`);
}

/** Users, groups, jobs, pipelines and runs: any non-empty text up to 255 characters. */
export function validateLabel(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || name.includes('\0'))
    throw invalid(`${what} ${JSON.stringify(name)} must be 1..255 characters`);
  return name;
}

/** YARN-style ids such as application_1700000000000_0042; anything safe up to 64 characters. */
export function validateAppId(appId: unknown): string {
  if (typeof appId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(appId))
    throw invalid(`app id ${JSON.stringify(appId)} must be 1..64 of [A-Za-z0-9_.:-]`);
  return appId;
}
