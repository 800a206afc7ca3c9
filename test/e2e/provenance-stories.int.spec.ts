import { type ChildProcess, spawn } from 'node:child_process';
import { DAEMON_MAIN } from '@epipe/harness';
import type { NameNode, OpContext } from '@epipe/metastore';
import { runLineageStory, type LineageStory } from '@epipe/workload';
import type { ProvenanceIndex } from '@epipe/sink-elastic';
import type { ProvenanceEvent } from '@epipe/core';
import { readTopic, waitFor } from '../support/checker';
import { type DaemonNames, type InProcessDaemon, provenanceTopic } from '../support/daemon';
import { testEnv } from '../support/env';
import {
  createStoryProjects,
  lineageOf,
  nodeNames,
  openProvenanceIndex,
  SHORT_WINDOWS,
} from '../support/provenance';
import { E2eRun } from '../support/run';

/**
 * Issue 9's acceptance stories 2, 3, 4, 6 and 7 through one running daemon (story 1 is
 * lineage.int.spec.ts, story 5 provenance-crash.int.spec.ts): history across a move and a
 * delete-and-recreate, a container rename, cross-project reads with a topic per project, tag
 * and glob filters, and a subscriber killed and restarted. Provenance topics are per project
 * here, `<topic>.prov.<project>`.
 */
const P1 = 'p1';
const P2 = 'p2';
const P3 = 'p3';

describe('provenance stories 2–4, 6, 7 through the daemon (real stack)', () => {
  let run: E2eRun;
  let daemon: InProcessDaemon;
  let index: ProvenanceIndex;
  let nn: NameNode;
  let story: LineageStory;
  let subscriber: SubscriberProcess | undefined;
  const printed: string[] = [];
  const alice: OpContext = { user: 'alice' };

  const settle = async () => {
    await run.waitForEmptyLog(300_000);
    await index.refresh();
  };
  const topicOf = (project: string) => `${provenanceTopic(run.names)}.${project}`;
  const up = (selector: string, project: string | undefined, depth: number, asOfMs?: number) =>
    lineageOf(index, selector, project, { depth, ...(asOfMs === undefined ? {} : { asOfMs }) });
  /** An app registered as a job execution of `job` in `project`. */
  let apps = 0;
  const app = async (project: string, job: string): Promise<OpContext> => {
    const jobId = await nn.createJob(project, job);
    const exec = await nn.startJobExecution(jobId, { user: 'alice' });
    const appId = `application_${Date.now()}_${String(++apps).padStart(4, '0')}`;
    await nn.registerApp(appId, exec, 'alice');
    return { user: 'alice', appId };
  };
  const write = async (dir: string, files: number, ctx: OpContext) => {
    await nn.mkdir(dir, ctx, { parents: true });
    for (let i = 0; i < files; i++) await nn.create(`${dir}/part-${i}`, ctx, { size: 10 });
  };
  const read = async (dir: string, files: number, ctx: OpContext) => {
    for (let i = 0; i < files; i++) await nn.read(`${dir}/part-${i}`, ctx);
  };

  beforeAll(async () => {
    run = await E2eRun.create('provst', { connectionLimit: 8 });
    nn = run.db.nameNode;
    daemon = await run.startReadyDaemon({
      ...SHORT_WINDOWS,
      EPIPE_PROVENANCE_TOPIC_PER_PROJECT: 'true',
      EPIPE_FILTER_EXCLUDE: '/Projects/*/scratch/**',
      EPIPE_FILTER_TAGS: 'epipe.log=debug:debug, epipe.log=off:off',
    });
    index = openProvenanceIndex(run.env, run.names);
    await createStoryProjects(nn, [P1, P2, P3]);
    story = await runLineageStory(nn, { project: P1, user: 'alice', trainingReads: 200 });
    await settle();
  }, 600_000);

  afterAll(async () => {
    subscriber?.kill();
    await index?.close();
    await run?.close();
  });

  let fraudId = 0;
  let beforeMoveMs = 0;

  it('story 7, part 1: a subscriber prints provenance events, and is killed (SIGKILL)', async () => {
    subscriber = startSubscriber(run.names, topicOf(P1), printed);
    await waitFor('the subscriber to print the first story', () => Promise.resolve(printed.length >= 10));
    subscriber.kill();
    await subscriber.exited;
    subscriber = undefined;
  }, 180_000);

  it('story 2: a moved model keeps its id and lineage; its old name resolves as of before the move', async () => {
    const before = await up('fraud/1', P1, 2);
    fraudId = before.root;
    expect(nodeNames(before)).toEqual(['fg_a/1', 'fg_b/2', 'fraud/1', 'td/1']);
    beforeMoveMs = Date.now();
    await nn.mkdir(`/Projects/${P1}/Models/fraud_old`, alice);
    await nn.rename(story.paths.fraud, `/Projects/${P1}/Models/fraud_old/1`, alice);
    await settle();
    const after = await up('fraud_old/1', P1, 2);
    expect(after.root).toBe(fraudId);
    expect(nodeNames(after)).toEqual(['fg_a/1', 'fg_b/2', 'fraud_old/1', 'td/1']);
    expect(after.edges.map((e) => `${e.from.id}>${e.to.id}`).sort()).toEqual(
      before.edges.map((e) => `${e.from.id}>${e.to.id}`).sort(),
    );
    const then = await up('fraud/1', P1, 2, beforeMoveMs);
    expect(then.root).toBe(fraudId);
  }, 300_000);

  it('renaming the container above a model (Models/fraud_old → Models/fraud_older) renames the model', async () => {
    await nn.rename(`/Projects/${P1}/Models/fraud_old`, `/Projects/${P1}/Models/fraud_older`, alice);
    await settle();
    const [doc] = await index.artifacts([fraudId]);
    expect(doc).toMatchObject({
      name: 'fraud_older',
      version: 1,
      path: `/Projects/${P1}/Models/fraud_older/1`,
    });
    expect((await up('fraud_older/1', P1, 0)).root).toBe(fraudId);
  }, 300_000);

  it('story 3: a deleted and recreated model has a new id on the td_2 branch; as of before, the td_1 branch, flagged deleted', async () => {
    await nn.delete(`/Projects/${P1}/Models/fraud_older/1`, alice, { recursive: true });
    const train2 = await app(P1, 'train_fraud_2');
    await read(story.paths.td2, 5, train2);
    await write(story.paths.fraud, 2, train2);
    await settle();
    const now = await up('fraud/1', P1, 2);
    expect(now.root).not.toBe(fraudId);
    expect(nodeNames(now)).toEqual(['fg_c/1', 'fraud/1', 'td/2']);
    const then = await up('fraud/1', P1, 2, beforeMoveMs);
    expect(then.root).toBe(fraudId);
    expect(nodeNames(then)).toEqual(['fg_a/1', 'fg_b/2', 'fraud_older/1', 'td/1']);
    const old = then.nodes.find((n) => n.id === fraudId)!;
    // Not deleted as of then, but flagged as deleted later (the CLI shows "[deleted later, …]").
    expect(old.deleted).toBe(false);
    expect(old.artifact!.deleted).not.toBeNull();
    expect(now.nodes.every((n) => n.artifact!.deleted === null)).toBe(true);
  }, 300_000);

  it("story 4: an app in P3 reads P1's fg_a_1 and a P2 dataset and writes td_x: both edges, ACCESS in the owners' topics", async () => {
    await write(`/Projects/${P2}/Resources/shared`, 4, alice);
    const x = await app(P3, 'make_td_x');
    await read(story.paths.fgA, 10, x);
    await read(`/Projects/${P2}/Resources/shared`, 4, x);
    await write(`/Projects/${P3}/${P3}_Training_Datasets/td_x_1`, 3, x);
    await settle();
    const r = await up('td_x/1', P3, 1);
    const byId = new Map(r.nodes.map((n) => [n.id, n.artifact!]));
    expect(r.edges.map((e) => `${byId.get(e.from.id)!.project}:${byId.get(e.from.id)!.name}`).sort()).toEqual(
      ['p1:fg_a', 'p2:Resources'],
    );
    const accessIn = async (project: string) => {
      const seen: ProvenanceEvent[] = [];
      await readTopic(run.env.kafkaBrokers, topicOf(project), ({ value }) => {
        if (value) seen.push(JSON.parse(value.toString('utf8')) as ProvenanceEvent);
      });
      return seen.filter((e) => e.op === 'ACCESS' && e.app?.appId === x.appId);
    };
    const inP1 = await accessIn(P1);
    const inP2 = await accessIn(P2);
    // One ACCESS per window: two if the reads straddle a window boundary.
    expect([...new Set(inP1.map((e) => e.artifact.name))]).toEqual(['fg_a']);
    expect(inP1.reduce((n, e) => n + e.count, 0)).toBe(10);
    expect([...new Set(inP2.map((e) => e.artifact.name))]).toEqual(['Resources']);
    expect(inP2.reduce((n, e) => n + e.count, 0)).toBe(4);
    expect(await accessIn(P3)).toEqual([]);
    // search --project P3: P3's files only, none of P1's it read.
    const files = await index.searchInodes({ project: P3, size: 1_000 });
    expect(files.length).toBeGreaterThan(0);
    expect(
      files.map((f) => f.path).filter((p) => p !== `/Projects/${P3}` && !p.startsWith(`/Projects/${P3}/`)),
    ).toEqual([]);
    expect(files.some((f) => f.path === `/Projects/${P3}/${P3}_Training_Datasets/td_x_1/part-0`)).toBe(true);
  }, 300_000);

  it('story 6: a dataset tagged off gets no provenance; a debug folder under an excluded glob does; counters count per rule', async () => {
    await nn.mkdir(`/Projects/${P1}/Secret`, alice);
    await nn.setXattr(`/Projects/${P1}/Secret`, 'epipe.log', 'off', alice);
    await write(`/Projects/${P1}/Secret/inner`, 3, alice);
    await nn.mkdir(`/Projects/${P1}/scratch/dbg`, alice, { parents: true });
    await nn.setXattr(`/Projects/${P1}/scratch/dbg`, 'epipe.log', 'debug', alice);
    await write(`/Projects/${P1}/scratch/dbg/run`, 3, alice);
    await write(`/Projects/${P1}/scratch/hidden`, 2, alice);
    await settle();
    const ops = await index.operations({ size: 10_000 });
    // Secret's own mkdir may pass (the tag is read when its row is enriched, maybe before the
    // tag's row committed); nothing after the tag does.
    expect(ops.filter((o) => o.artifact.path === `/Projects/${P1}/Secret` && o.op !== 'CREATE')).toEqual([]);
    const scratch = ops.filter((o) => o.artifact.path === `/Projects/${P1}/scratch`);
    // dbg/run and its three files (dbg's own mkdir too if it was read after the tag); nothing of
    // scratch/hidden.
    const mutations = scratch.filter((o) => o.op === 'MUTATION').reduce((n, o) => n + o.count, 0);
    expect(mutations).toBeGreaterThanOrEqual(4);
    expect(mutations).toBeLessThanOrEqual(5);
    const filtered = await daemon.metrics.filtered.get();
    const byRule = Object.fromEntries(filtered.values.map((v) => [String(v.labels.rule), v.value]));
    expect(byRule.exclude).toBeGreaterThanOrEqual(3); // hidden and its two files (scratch too)
    expect(byRule.tag).toBeGreaterThanOrEqual(5); // Secret's xattr, inner and its three files
  }, 300_000);

  it('story 7, part 2: restarted, the subscriber has printed, deduplicated by id, exactly the topic', async () => {
    const topic: string[] = [];
    await readTopic(run.env.kafkaBrokers, topicOf(P1), ({ value }) => {
      if (value) topic.push((JSON.parse(value.toString('utf8')) as ProvenanceEvent).eventId);
    });
    const want = [...new Set(topic)].sort();
    subscriber = startSubscriber(run.names, topicOf(P1), printed);
    const got = () => [...new Set(printed.map((l) => (JSON.parse(l) as ProvenanceEvent).eventId))].sort();
    await waitFor('the restarted subscriber to catch up', () => Promise.resolve(got().length >= want.length));
    expect(got()).toEqual(want);
    expect(want.length).toBeGreaterThan(10);
  }, 180_000);
});

interface SubscriberProcess {
  kill(): void;
  exited: Promise<void>;
}

/** `epipe subscribe --from committed` as its own process; every JSON line it prints lands in `printed`. */
function startSubscriber(names: DaemonNames, topic: string, printed: string[]): SubscriberProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [DAEMON_MAIN, 'subscribe', '--topic', topic, '--from', 'committed', '--group', `${names.topic}-sub`],
    {
      env: { ...process.env, EPIPE_KAFKA_BROKERS: testEnv().kafkaBrokers.join(',') },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.trim().length > 0) printed.push(line);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { kill: () => void child.kill('SIGKILL'), exited };
}
