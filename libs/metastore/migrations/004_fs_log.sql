-- The logging table: one row per operation, written in the same transaction as the inode
-- change. It is epipe's durable queue: a row lives until every sink acknowledged its event.
-- operation codes: see libs/core/src/operation.ts.
CREATE TABLE IF NOT EXISTS fs_log (
  log_id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  inode_id BIGINT NOT NULL,
  parent_id BIGINT NOT NULL,
  inode_name VARCHAR(255) NOT NULL,
  is_dir TINYINT(1) NOT NULL,
  project_id INT NULL,
  dataset_id INT NULL,
  operation SMALLINT NOT NULL,
  logical_time BIGINT NOT NULL,
  app_id VARCHAR(64) NULL,
  user_id INT NOT NULL,
  xattr_name VARCHAR(255) NULL,
  commit_ts_ms BIGINT NOT NULL,
  KEY ix_fs_log_inode (inode_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
