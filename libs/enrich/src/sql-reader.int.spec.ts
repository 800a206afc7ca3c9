import { createTestDatabase } from '../../../test/support/db';
import { SqlMetadataReader } from './sql-reader';
import { describeMetadataReaderContract } from './testing/reader-contract';

describeMetadataReaderContract('SqlMetadataReader on MariaDB', async () => {
  const db = await createTestDatabase('t_reader');
  const nn = db.nameNode;
  return {
    reader: new SqlMetadataReader(db.pool),
    createProject: (name, owner) => nn.createProject(name, owner),
    createDataset: (project, name, user) => nn.createDataset(project, name, { user }),
    mkdir: async (path, user) => (await nn.mkdir(path, { user })).inodeId,
    create: async (path, user, size) => (await nn.create(path, { user }, { size })).inodeId,
    setXattr: async (path, name, value, namespace) => {
      await nn.setXattr(path, name, value, { user: 'alice' }, { namespace });
    },
    rename: async (src, dst) => {
      await nn.rename(src, dst, { user: 'alice' });
    },
    delete: async (path) => {
      await nn.delete(path, { user: 'alice' }, { recursive: true });
    },
    acknowledge: async (ids) => {
      await db.pool.query('DELETE FROM fs_log WHERE inode_id IN (?)', [ids]);
    },
    userId: (name) => nn.createUser(name),
    registerApp: async (appId, user, execution) => {
      let executionId: number | null = null;
      let jobId: number | null = null;
      let pipelineRunId: number | null = null;
      if (execution) {
        jobId = await nn.createJob(execution.project, execution.job);
        pipelineRunId = execution.run
          ? await nn.startPipelineRun(
              await nn.createPipeline(execution.project, execution.run.pipeline),
              execution.run.name,
            )
          : null;
        executionId = await nn.startJobExecution(jobId, { user, pipelineRunId });
      }
      await nn.registerApp(appId, executionId, user);
      return { executionId, jobId, pipelineRunId };
    },
    close: () => db.drop(),
  };
});
