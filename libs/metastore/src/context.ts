import { Operation } from '@epipe/core';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { createMissing } from './locate';
import { SUPERGROUP, SUPERUSER } from './migrate';
import {
  invalid,
  PROJECTS_DIR,
  validateAppId,
  validateLabel,
  validateName,
  validateProjectName,
} from './paths';
import type { Principals } from './principals';
import { resolveChain } from './resolve';
import type { Tx } from './tx';
import type { DatasetRef, OpContext, ProjectRef } from './types';
import { insertInode, isDuplicate, logRow, type Actor } from './writes';

/** What the context operations need from their NameNode. */
export interface CatalogDeps {
  pool: Pool;
  principals: Principals;
  run<T>(operation: string, body: (tx: Tx) => Promise<T>): Promise<T>;
  actor(ctx: OpContext): Promise<Actor>;
}

/**
 * Creates /Projects (as hdfs) when missing, then /Projects/<name> owned by `owner` with a group
 * of the project's name, and the projects row; the directories get CREATE log rows.
 */
export async function createProject(deps: CatalogDeps, name: string, owner: string): Promise<ProjectRef> {
  validateProjectName(name);
  const ownerId = await deps.principals.userId(owner);
  const groupId = await deps.principals.groupId(name);
  const hdfs: Actor = { userId: await deps.principals.userId(SUPERUSER), appId: null };
  const hdfsGroupId = await deps.principals.groupId(SUPERGROUP);
  const what = `createProject ${name}`;
  return deps.run('createProject', async (tx) => {
    const chain = await resolveChain(tx, [PROJECTS_DIR, name], 'share');
    if (chain.inodes.length === 2) throw invalid(`${what}: /Projects/${name} already exists`);
    const projectsDir =
      chain.inodes[0] ??
      (
        await createMissing(tx, [PROJECTS_DIR], chain, {
          what,
          isDir: true,
          size: 0,
          permission: 0o755,
          parents: true,
          actor: hdfs,
          rootGroupId: hdfsGroupId,
        })
      ).inode;
    if (!projectsDir.isDir) throw invalid(`${what}: /Projects is not a directory`);
    const now = Date.now();
    let projectId: number;
    let inodeId: number;
    try {
      const inode = await insertInode(tx, {
        parentId: projectsDir.id,
        name,
        isDir: true,
        size: 0,
        userId: ownerId,
        groupId,
        permission: 0o770,
      });
      inodeId = inode.id;
      const row = await tx.exec(
        'INSERT INTO projects (name, inode_id, owner_id, created_ms) VALUES (?, ?, ?, ?)',
        [name, inode.id, ownerId, now],
      );
      projectId = row.insertId;
      logRow(tx, inode, { projectId, datasetId: null }, Operation.CREATE, inode.logicalTime, {
        userId: ownerId,
        appId: null,
      });
    } catch (err) {
      if (isDuplicate(err)) throw invalid(`${what}: project already exists`);
      throw err;
    }
    return { id: projectId, name, inodeId };
  });
}

/** A dataset is the directory /Projects/<project>/<name>; mkdir makes the same thing. */
export async function createDataset(
  deps: CatalogDeps,
  project: string,
  name: string,
  ctx: OpContext,
): Promise<DatasetRef> {
  validateProjectName(project);
  validateName(name, 'dataset name');
  const actor = await deps.actor(ctx);
  const rootGroupId = await deps.principals.groupId(SUPERGROUP);
  const names = [PROJECTS_DIR, project, name];
  const what = `createDataset ${project}/${name}`;
  return deps.run('createDataset', async (tx) => {
    const chain = await resolveChain(tx, names, 'share');
    if (chain.inodes.length < 2 || chain.scope.projectId === null)
      throw invalid(`${what}: project ${project} does not exist`);
    const { inode, scope } = await createMissing(tx, names, chain, {
      what,
      isDir: true,
      size: 0,
      permission: 0o770,
      parents: false,
      actor,
      rootGroupId,
    });
    return { id: scope.datasetId!, projectId: scope.projectId!, name, inodeId: inode.id };
  });
}

async function insertUnder(
  pool: Pool,
  what: string,
  sql: string,
  params: unknown[],
  missing: string,
): Promise<number> {
  try {
    const [result] = await pool.query<ResultSetHeader>(sql, params);
    if (result.affectedRows === 0) throw invalid(`${what}: ${missing}`);
    return result.insertId;
  } catch (err) {
    if (isDuplicate(err)) throw invalid(`${what}: already exists`);
    throw err;
  }
}

export function createJob(pool: Pool, project: string, name: string): Promise<number> {
  validateLabel(name, 'job name');
  return insertUnder(
    pool,
    `createJob ${project}/${name}`,
    'INSERT INTO jobs (project_id, name) SELECT id, ? FROM projects WHERE name = ?',
    [name, project],
    `project ${project} does not exist`,
  );
}

export function createPipeline(pool: Pool, project: string, name: string): Promise<number> {
  validateLabel(name, 'pipeline name');
  return insertUnder(
    pool,
    `createPipeline ${project}/${name}`,
    'INSERT INTO pipelines (project_id, name) SELECT id, ? FROM projects WHERE name = ?',
    [name, project],
    `project ${project} does not exist`,
  );
}

export function startPipelineRun(pool: Pool, pipelineId: number, runName: string): Promise<number> {
  validateLabel(runName, 'run name');
  return insertUnder(
    pool,
    `startPipelineRun ${runName}`,
    'INSERT INTO pipeline_runs (pipeline_id, run_name, started_ms) SELECT id, ?, ? FROM pipelines WHERE id = ?',
    [runName, Date.now(), pipelineId],
    `pipeline ${pipelineId} does not exist`,
  );
}

export async function startJobExecution(
  deps: CatalogDeps,
  jobId: number,
  options: { user: string; pipelineRunId?: number | null },
): Promise<number> {
  const userId = await deps.principals.userId(options.user);
  const runId = options.pipelineRunId ?? null;
  if (runId !== null && !(await exists(deps.pool, 'SELECT 1 AS one FROM pipeline_runs WHERE id = ?', runId)))
    throw invalid(`startJobExecution: pipeline run ${runId} does not exist`);
  return insertUnder(
    deps.pool,
    `startJobExecution ${jobId}`,
    'INSERT INTO job_executions (job_id, pipeline_run_id, user_id, submitted_ms) SELECT id, ?, ?, ? FROM jobs WHERE id = ?',
    [runId, userId, Date.now(), jobId],
    `job ${jobId} does not exist`,
  );
}

/** Registers a YARN-style app id so operations can be attributed to it; executionId may be null. */
export async function registerApp(
  deps: CatalogDeps,
  appId: string,
  executionId: number | null,
  user: string,
): Promise<void> {
  validateAppId(appId);
  const userId = await deps.principals.userId(user);
  if (
    executionId !== null &&
    !(await exists(deps.pool, 'SELECT 1 AS one FROM job_executions WHERE id = ?', executionId))
  )
    throw invalid(`registerApp ${appId}: job execution ${executionId} does not exist`);
  try {
    await deps.pool.query(
      'INSERT INTO applications (app_id, execution_id, user_id, submitted_ms) VALUES (?, ?, ?, ?)',
      [appId, executionId, userId, Date.now()],
    );
  } catch (err) {
    if (isDuplicate(err)) throw invalid(`registerApp ${appId}: already registered`);
    throw err;
  }
  deps.principals.rememberApp(appId);
}

async function exists(pool: Pool, sql: string, id: number): Promise<boolean> {
  const [rows] = await pool.query<RowDataPacket[]>(sql, [id]);
  return rows.length > 0;
}
