import type { RawLogRow } from '@epipe/core';

/** A raw fs_log row as the binlog or a scan delivers it. Test helper. */
export function rawRow(logId: number, overrides: Partial<RawLogRow> = {}): RawLogRow {
  return {
    log_id: logId,
    inode_id: 1000 + logId,
    parent_id: 1,
    inode_name: `file-${logId}`,
    is_dir: 0,
    project_id: null,
    dataset_id: null,
    operation: 1,
    logical_time: 1,
    app_id: null,
    user_id: 1,
    xattr_name: null,
    commit_ts_ms: 1_700_000_000_000,
    ...overrides,
  };
}

/** Column list and values of an INSERT into fs_log; log ids come from AUTO_INCREMENT. */
export function insertSql(database: string, count: number, overrides: Partial<RawLogRow> = {}): string {
  const values = Array.from({ length: count }, (_, i) => {
    const row = { ...rawRow(0), ...overrides };
    return `(${row.inode_id as number} + ${i}, ${row.parent_id as number}, 'f${i}', 0, NULL, NULL, ${row.operation as number}, 1, NULL, 1, NULL, ${row.commit_ts_ms as number})`;
  });
  return (
    `INSERT INTO \`${database}\`.fs_log (inode_id, parent_id, inode_name, is_dir, project_id, dataset_id, ` +
    `operation, logical_time, app_id, user_id, xattr_name, commit_ts_ms) VALUES ${values.join(', ')}`
  );
}
