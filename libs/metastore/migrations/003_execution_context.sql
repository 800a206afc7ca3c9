-- Who did it: application (YARN/Spark app id) -> job execution -> job, and optionally
-- -> pipeline run -> pipeline (an Airflow DAG run, say).
CREATE TABLE IF NOT EXISTS pipelines (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id INT NOT NULL,
  name VARCHAR(255) NOT NULL,
  UNIQUE KEY uk_pipelines_project_name (project_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS pipeline_runs (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  pipeline_id INT NOT NULL,
  run_name VARCHAR(255) NOT NULL,
  started_ms BIGINT NOT NULL,
  UNIQUE KEY uk_pipeline_runs (pipeline_id, run_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS jobs (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id INT NOT NULL,
  name VARCHAR(255) NOT NULL,
  UNIQUE KEY uk_jobs_project_name (project_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS job_executions (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  job_id INT NOT NULL,
  pipeline_run_id INT NULL,
  user_id INT NOT NULL,
  submitted_ms BIGINT NOT NULL,
  KEY ix_job_executions_job (job_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS applications (
  app_id VARCHAR(64) NOT NULL PRIMARY KEY,
  execution_id INT NULL,
  user_id INT NOT NULL,
  submitted_ms BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
