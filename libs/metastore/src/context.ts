import { Operation } from '@epipe/core';
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
  principals: Principals;
  run<T>(operation: string, body: (tx: Tx) => Promise<T>): Promise<T>;
  actor(tx: Tx, ctx: OpContext): Promise<Actor>;
}

/**
 * Creates /Projects (as hdfs) when missing, then /Projects/<name> owned by `owner` with a group
 * of the project's name, and the projects row; the directories get CREATE log rows.
 */
export function createProject(deps: CatalogDeps, name: string, owner: string): Promise<ProjectRef> {
  validateProjectName(name);
  const what = `createProject ${name}`;
  return deps.run('createProject', async (tx) => {
    const ownerId = await deps.principals.userId(tx, owner);
    const groupId = await deps.principals.groupId(tx, name);
    const hdfs: Actor = { userId: await deps.principals.userId(tx, SUPERUSER), appId: null };
    const hdfsGroupId = await deps.principals.groupId(tx, SUPERGROUP);
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
      const row = await tx.exec(
        'INSERT INTO projects (name, inode_id, owner_id, created_ms) VALUES (?, ?, ?, ?)',
        [name, inode.id, ownerId, Date.now()],
      );
      const projectId = row.insertId;
      logRow(tx, inode, { projectId, datasetId: null }, Operation.CREATE, inode.logicalTime, {
        userId: ownerId,
        appId: null,
      });
      return { id: projectId, name, inodeId: inode.id };
    } catch (err) {
      if (isDuplicate(err)) throw invalid(`${what}: project already exists`);
      throw err;
    }
  });
}

/** A dataset is the directory /Projects/<project>/<name>; mkdir makes the same thing. */
export function createDataset(
  deps: CatalogDeps,
  project: string,
  name: string,
  ctx: OpContext,
): Promise<DatasetRef> {
  validateProjectName(project);
  validateName(name, 'dataset name');
  const names = [PROJECTS_DIR, project, name];
  const what = `createDataset ${project}/${name}`;
  return deps.run('createDataset', async (tx) => {
    const actor = await deps.actor(tx, ctx);
    const rootGroupId = await deps.principals.groupId(tx, SUPERGROUP);
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

/** Inserts one row with INSERT ... SELECT, so a missing owner row shows as 0 rows affected. */
async function insertUnder(
  tx: Tx,
  what: string,
  sql: string,
  params: unknown[],
  missing: string,
): Promise<number> {
  try {
    const result = await tx.exec(sql, params);
    if (result.affectedRows === 0) throw invalid(`${what}: ${missing}`);
    return result.insertId;
  } catch (err) {
    if (isDuplicate(err)) throw invalid(`${what}: already exists`);
    throw err;
  }
}

export function createJob(deps: CatalogDeps, project: string, name: string): Promise<number> {
  return createInProject(deps, { table: 'jobs', call: 'createJob', label: 'job name' }, project, name);
}

export function createPipeline(deps: CatalogDeps, project: string, name: string): Promise<number> {
  return createInProject(
    deps,
    { table: 'pipelines', call: 'createPipeline', label: 'pipeline name' },
    project,
    name,
  );
}

/** A row named within a project (a job, a pipeline): its name is unique per project. */
function createInProject(
  deps: CatalogDeps,
  kind: { table: 'jobs' | 'pipelines'; call: string; label: string },
  project: string,
  name: string,
): Promise<number> {
  validateLabel(name, kind.label);
  return deps.run(kind.call, (tx) =>
    insertUnder(
      tx,
      `${kind.call} ${project}/${name}`,
      `INSERT INTO ${kind.table} (project_id, name) SELECT id, ? FROM projects WHERE name = ?`,
      [name, project],
      `project ${project} does not exist`,
    ),
  );
}

export function startPipelineRun(deps: CatalogDeps, pipelineId: number, runName: string): Promise<number> {
  validateLabel(runName, 'run name');
  return deps.run('startPipelineRun', (tx) =>
    insertUnder(
      tx,
      `startPipelineRun ${runName}`,
      'INSERT INTO pipeline_runs (pipeline_id, run_name, started_ms) SELECT id, ?, ? FROM pipelines WHERE id = ?',
      [runName, Date.now(), pipelineId],
      `pipeline ${pipelineId} does not exist`,
    ),
  );
}

export function startJobExecution(
  deps: CatalogDeps,
  jobId: number,
  options: { user: string; pipelineRunId?: number | null },
): Promise<number> {
  const runId = options.pipelineRunId ?? null;
  const what = `startJobExecution ${jobId}`;
  return deps.run('startJobExecution', async (tx) => {
    const userId = await deps.principals.userId(tx, options.user);
    if (runId !== null && !(await exists(tx, 'SELECT 1 AS one FROM pipeline_runs WHERE id = ?', runId)))
      throw invalid(`${what}: pipeline run ${runId} does not exist`);
    return insertUnder(
      tx,
      what,
      'INSERT INTO job_executions (job_id, pipeline_run_id, user_id, submitted_ms) SELECT id, ?, ?, ? FROM jobs WHERE id = ?',
      [runId, userId, Date.now(), jobId],
      `job ${jobId} does not exist`,
    );
  });
}

/** Registers a YARN-style app id so operations can be attributed to it; executionId may be null. */
export function registerApp(
  deps: CatalogDeps,
  appId: string,
  executionId: number | null,
  user: string,
): Promise<void> {
  validateAppId(appId);
  const what = `registerApp ${appId}`;
  return deps.run('registerApp', async (tx) => {
    const userId = await deps.principals.userId(tx, user);
    if (
      executionId !== null &&
      !(await exists(tx, 'SELECT 1 AS one FROM job_executions WHERE id = ?', executionId))
    )
      throw invalid(`${what}: job execution ${executionId} does not exist`);
    try {
      await tx.exec(
        'INSERT INTO applications (app_id, execution_id, user_id, submitted_ms) VALUES (?, ?, ?, ?)',
        [appId, executionId, userId, Date.now()],
      );
    } catch (err) {
      if (isDuplicate(err)) throw invalid(`${what}: already registered`);
      throw err;
    }
    deps.principals.rememberApp(tx, appId);
  });
}

async function exists(tx: Tx, sql: string, id: number): Promise<boolean> {
  return (await tx.rows(sql, [id])).length > 0;
}
