import { EpipeError } from './errors';
import { operationName, type OperationName } from './operation';

/** One fs_log row as epipe reads it, whether from the binlog or from a table scan. */
export interface LogRow {
  logId: number;
  inodeId: number;
  parentId: number;
  name: string;
  isDir: boolean;
  projectId: number | null;
  datasetId: number | null;
  operation: OperationName;
  logicalTime: number;
  appId: string | null;
  userId: number;
  xattrName: string | null;
  commitTsMs: number;
}

/** The columns as they come from mysql2 or zongji: names as in the table. */
export type RawLogRow = Record<string, unknown>;

export const LOG_COLUMNS = [
  'log_id',
  'inode_id',
  'parent_id',
  'inode_name',
  'is_dir',
  'project_id',
  'dataset_id',
  'operation',
  'logical_time',
  'app_id',
  'user_id',
  'xattr_name',
  'commit_ts_ms',
] as const;

/**
 * Validates and converts a raw row. A row that fails is a poison row: the error names the column
 * so the dead-letter record says exactly what was wrong. The log id is read first so that even a
 * poison row can be acknowledged and deleted.
 */
export function parseLogRow(raw: RawLogRow): LogRow {
  const operationCode = int(raw, 'operation');
  const operation = operationName(operationCode);
  if (!operation) throw poison(raw, `unknown operation code ${operationCode}`);
  return {
    logId: int(raw, 'log_id'),
    inodeId: int(raw, 'inode_id'),
    parentId: int(raw, 'parent_id'),
    name: str(raw, 'inode_name'),
    isDir: bool(raw, 'is_dir'),
    projectId: optInt(raw, 'project_id'),
    datasetId: optInt(raw, 'dataset_id'),
    operation,
    logicalTime: int(raw, 'logical_time'),
    appId: optStr(raw, 'app_id'),
    userId: int(raw, 'user_id'),
    xattrName: optStr(raw, 'xattr_name'),
    commitTsMs: int(raw, 'commit_ts_ms'),
  };
}

/** The log id of a raw row, or undefined when even that cannot be read. */
export function rawLogId(raw: RawLogRow): number | undefined {
  try {
    return int(raw, 'log_id');
  } catch {
    return undefined;
  }
}

function poison(raw: RawLogRow, reason: string): EpipeError {
  const err = new EpipeError('POISON_ROW', reason);
  (err as EpipeError & { row?: RawLogRow }).row = raw;
  return err;
}

function int(raw: RawLogRow, column: string): number {
  const value = raw[column];
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw poison(raw, `column ${column}: expected an integer, got ${describe(value)}`);
  }
  return n;
}

function optInt(raw: RawLogRow, column: string): number | null {
  return raw[column] === null || raw[column] === undefined ? null : int(raw, column);
}

function str(raw: RawLogRow, column: string): string {
  const value = raw[column];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw poison(raw, `column ${column}: expected a string, got ${describe(value)}`);
}

function optStr(raw: RawLogRow, column: string): string | null {
  return raw[column] === null || raw[column] === undefined ? null : str(raw, column);
}

function bool(raw: RawLogRow, column: string): boolean {
  const value = raw[column];
  if (value === 0 || value === 1 || value === true || value === false) return Boolean(value);
  throw poison(raw, `column ${column}: expected 0 or 1, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'bigint') return `${value}n`;
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 80) ?? ''}`;
}

/** Rough in-memory size, used by the byte budgets. */
export function estimateRowBytes(row: LogRow): number {
  return 200 + row.name.length * 2 + (row.appId?.length ?? 0) * 2 + (row.xattrName?.length ?? 0) * 2;
}
