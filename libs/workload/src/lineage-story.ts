import type { NameNode, OpContext } from '@epipe/metastore';

export interface LineageStoryOptions {
  /** A project that exists, with the datasets `<p>_featurestore.db`, `<p>_Training_Datasets`, `Models`, `Resources`. */
  project: string;
  /** A user of the project; every app runs as this user. */
  user: string;
  /** Files of the training dataset that train_fraud reads (issue 9's story: 2,000). */
  trainingReads?: number;
  /** Makes app ids unique across runs against one database. */
  appIdBase?: number;
  /** Called before train_fraud starts reading td_1 (a crash test kills the daemon then). */
  beforeTrainingReads?: () => void | Promise<void>;
}

export interface LineageStory {
  /** Root paths of the artifacts the story made, by short name. */
  paths: Record<'raw' | 'fgA' | 'fgB' | 'fgC' | 'td1' | 'td2' | 'fraud' | 'churn', string>;
  pipelineRun: string;
}

/**
 * Issue 9's first story, through the name node, on the artifact path conventions: a pipeline
 * run's apps read Resources/raw and write feature groups fg_a_1 and fg_b_2; job make_td reads
 * both and writes training dataset td_1; train_fraud reads td_1's files and writes model
 * Models/fraud/1. Separately fg_c_1 → td_2 → Models/churn/1. Each app is a registered job
 * execution, so every row carries its job (and the run, where there is one).
 */
export async function runLineageStory(nn: NameNode, options: LineageStoryOptions): Promise<LineageStory> {
  const { project: p, user } = options;
  const reads = options.trainingReads ?? 2_000;
  const base = options.appIdBase ?? Date.now();
  const root = `/Projects/${p}`;
  const paths = {
    raw: `${root}/Resources/raw`,
    fgA: `${root}/${p}_featurestore.db/fg_a_1`,
    fgB: `${root}/${p}_featurestore.db/fg_b_2`,
    fgC: `${root}/${p}_featurestore.db/fg_c_1`,
    td1: `${root}/${p}_Training_Datasets/td_1`,
    td2: `${root}/${p}_Training_Datasets/td_2`,
    fraud: `${root}/Models/fraud/1`,
    churn: `${root}/Models/churn/1`,
  };
  const pipelineRun = `R_${base}`;
  const pipeline = await nn.createPipeline(p, `fraud_pipeline_${base}`);
  const run = await nn.startPipelineRun(pipeline, pipelineRun);
  let apps = 0;
  const app = async (job: string, runId: number | null): Promise<OpContext> => {
    const jobId = await nn.createJob(p, job);
    const exec = await nn.startJobExecution(jobId, { user, pipelineRunId: runId });
    const appId = `application_${base}_${String(++apps).padStart(4, '0')}`;
    await nn.registerApp(appId, exec, user);
    return { user, appId };
  };
  const write = async (dir: string, files: number, ctx: OpContext): Promise<void> => {
    await nn.mkdir(dir, ctx, { parents: true });
    for (let i = 0; i < files; i++) await nn.create(`${dir}/part-${i}`, ctx, { size: 10 });
  };
  const read = async (dir: string, files: number, ctx: OpContext): Promise<void> => {
    for (let i = 0; i < files; i++) await nn.read(`${dir}/part-${i}`, ctx);
  };

  await write(paths.raw, 20, { user });
  const fgA = await app('make_fg_a', run);
  const fgB = await app('make_fg_b', run);
  const makeTd = await app('make_td', run);
  const train = await app('train_fraud', null);
  await read(paths.raw, 20, fgA);
  await write(paths.fgA, 10, fgA);
  await read(paths.raw, 20, fgB);
  await write(paths.fgB, 10, fgB);
  await read(paths.fgA, 10, makeTd);
  await read(paths.fgB, 10, makeTd);
  await write(paths.td1, reads, makeTd);
  await options.beforeTrainingReads?.();
  await read(paths.td1, reads, train);
  await write(paths.fraud, 3, train);

  const fgC = await app('make_fg_c', null);
  const makeTd2 = await app('make_td_2', null);
  const trainChurn = await app('train_churn', null);
  await write(paths.fgC, 5, fgC);
  await read(paths.fgC, 5, makeTd2);
  await write(paths.td2, 5, makeTd2);
  await read(paths.td2, 5, trainChurn);
  await write(paths.churn, 2, trainChurn);
  return { paths, pipelineRun };
}
