-- Hopsworks multi-tenancy: a project is /Projects/<name>, a dataset a directory below it.
CREATE TABLE IF NOT EXISTS projects (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  inode_id BIGINT NOT NULL,
  owner_id INT NOT NULL,
  created_ms BIGINT NOT NULL,
  UNIQUE KEY uk_projects_name (name),
  UNIQUE KEY uk_projects_inode (inode_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS datasets (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id INT NOT NULL,
  name VARCHAR(255) NOT NULL,
  inode_id BIGINT NOT NULL,
  UNIQUE KEY uk_datasets_project_name (project_id, name),
  UNIQUE KEY uk_datasets_inode (inode_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
