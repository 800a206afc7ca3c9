-- The file system's namespace, as a name node keeps it. Ids are AUTO_INCREMENT: InnoDB keeps
-- the counter persistent (MariaDB >= 10.2.4), so ids are never reused, even after a restart.
CREATE TABLE IF NOT EXISTS fs_users (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  UNIQUE KEY uk_fs_users_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS fs_groups (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  UNIQUE KEY uk_fs_groups_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- parent_id = 0 only for the root (id 1). logical_time is the inode's version: every mutation
-- increments it in the same transaction that writes the log row.
CREATE TABLE IF NOT EXISTS inodes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  parent_id BIGINT NOT NULL,
  name VARCHAR(255) NOT NULL,
  is_dir TINYINT(1) NOT NULL,
  size BIGINT NOT NULL DEFAULT 0,
  user_id INT NOT NULL,
  group_id INT NOT NULL,
  permission SMALLINT UNSIGNED NOT NULL,
  mtime BIGINT NOT NULL,
  logical_time BIGINT NOT NULL DEFAULT 0,
  UNIQUE KEY uk_inodes_parent_name (parent_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- namespace: 0 user, 1 trusted, 2 security, 3 system, 4 raw, 5 provenance (as HopsFS numbers them).
CREATE TABLE IF NOT EXISTS xattrs (
  inode_id BIGINT NOT NULL,
  namespace TINYINT UNSIGNED NOT NULL,
  name VARCHAR(255) NOT NULL,
  value MEDIUMBLOB NOT NULL,
  PRIMARY KEY (inode_id, namespace, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
