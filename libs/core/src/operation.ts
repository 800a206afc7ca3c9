/**
 * Operation codes stored in fs_log.operation. The numbers are part of the write side's schema:
 * never renumber, only add.
 */
export const Operation = {
  CREATE: 1,
  DELETE: 2,
  RENAME: 3,
  APPEND: 4,
  TRUNCATE: 5,
  ACCESS: 6,
  XATTR_ADD: 7,
  XATTR_UPDATE: 8,
  XATTR_DELETE: 9,
  PERMISSION: 10,
} as const;

export type OperationName = keyof typeof Operation;
export type OperationCode = (typeof Operation)[OperationName];

const NAMES = new Map<number, OperationName>(
  (Object.entries(Operation) as [OperationName, number][]).map(([name, code]) => [code, name]),
);

export function operationName(code: number): OperationName | undefined {
  return NAMES.get(code);
}

export const OPERATION_NAMES = Object.keys(Operation) as OperationName[];
