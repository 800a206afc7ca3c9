-- The writing transaction of each log row. Recovery reads the table, not the binlog, and pages
-- it by log id; concurrent transactions interleave their AUTO_INCREMENT ids, so a page can end
-- in the middle of one. With the id recovery keeps reading until every transaction it has
-- started is whole, so a transaction never straddles two epochs after a crash either (P2).
-- NULL (a writer that does not set it) makes each such row a transaction of its own.
ALTER TABLE fs_log
  ADD COLUMN IF NOT EXISTS tx_id BIGINT NULL,
  ADD KEY IF NOT EXISTS ix_fs_log_tx (tx_id, log_id);
