import type { ProvenanceIndex } from '@epipe/sink-elastic';
import { provenanceTopicOf } from '@epipe/sink-kafka';
import { deleteElasticIndices } from '../../../test/support/cleanup';
import { testEnv, uniqueName } from '../../../test/support/env';
import { lineage, parseSelector, activity, type LineageResult, type ProvenanceReader } from './index';
import { ctx, StoryWriter } from './story.spec';
import { testProvenanceIndex } from '../../sink-elastic/src/testing/elastic';

jest.setTimeout(180_000);

const env = testEnv();
const prefix = uniqueName('epipe_query');
let index: ProvenanceIndex;
let reader: ProvenanceReader;
let story: StoryWriter;

const P = '/Projects/p1';
const RAW = `${P}/Resources`;
const FG_A = `${P}/p1_featurestore.db/fg_a_1`;
const FG_B = `${P}/p1_featurestore.db/fg_b_2`;
const FG_C = `${P}/p1_featurestore.db/fg_c_1`;
const TD_1 = `${P}/p1_Training_Datasets/td_1`;
const TD_2 = `${P}/p1_Training_Datasets/td_2`;
const FRAUD = `${P}/Models/fraud/1`;
const FRAUD_OLD = `${P}/Models/fraud_old/1`;
const CHURN = `${P}/Models/churn/1`;

const names = (r: LineageResult) =>
  r.nodes.map((n) => `${n.artifact?.name}/${n.artifact?.version ?? '-'}`).sort();
const up = (what: string, depth: number, asOfMs?: number) =>
  lineage(reader, {
    artifact: parseSelector(what, 'p1'),
    direction: 'up',
    depth,
    limit: 100,
    ...(asOfMs ? { asOfMs } : {}),
  });

let beforeMove = 0;
let beforeDelete = 0;
let oldFraudId = 0;

beforeAll(async () => {
  index = testProvenanceIndex(prefix);
  await index.start();
  reader = index;
  story = new StoryWriter(index);
  const R = 'run_2026_11_30';
  const a = ctx('application_1_0001', 'make_fg_a', R);
  const b = ctx('application_1_0002', 'make_fg_b', R);
  const td = ctx('application_1_0003', 'make_td', R);
  const train = ctx('application_1_0004', 'train_fraud');
  await story.createRoot(RAW, null);
  await story.createRoot(FG_A, a);
  await story.read(RAW, 30, a);
  await story.write(FG_A, 5, a);
  await story.createRoot(FG_B, b);
  await story.write(FG_B, 5, b); // written before it reads: read after write
  await story.read(RAW, 20, b);
  await story.createRoot(TD_1, td);
  await story.read(FG_A, 10, td);
  await story.read(FG_B, 10, td);
  await story.write(TD_1, 3, td);
  await story.createRoot(FRAUD, train);
  await story.read(TD_1, 2_000, train, 97, 1_500); // spans several windows
  await story.write(FRAUD, 2, train);
  // The other branch.
  const c1 = ctx('application_2_0001', 'make_fg_c');
  const c2 = ctx('application_2_0002', 'make_td_2');
  const c3 = ctx('application_2_0003', 'train_churn');
  await story.createRoot(FG_C, c1);
  await story.createRoot(TD_2, c2);
  await story.read(FG_C, 5, c2);
  await story.write(TD_2, 2, c2);
  await story.createRoot(CHURN, c3);
  await story.read(TD_2, 50, c3);
  await story.write(CHURN, 1, c3);
  await story.idle();
  await index.refresh();
});

afterAll(async () => {
  await index.close();
  await deleteElasticIndices(env.elasticUrl, {
    indices: [`${prefix}_*`],
    templates: ['artifacts', 'operations', 'edges'].map((kind) => `${prefix}_${kind}-template`),
  });
});

describe('lineage (real Elasticsearch, documents from the provenance chain)', () => {
  it('upstream of fraud/1 at depth 2 is exactly td_1, fg_a_1, fg_b_2, with their apps, jobs and run', async () => {
    const r = await up('fraud/1', 2);
    expect(names(r)).toEqual(['fg_a/1', 'fg_b/2', 'fraud/1', 'td/1']);
    expect(r.truncated).toBe(false);
    const byName = new Map(r.nodes.map((n) => [n.artifact!.name, n]));
    expect(byName.get('td')!.producers.map((p) => [p.jobName, p.pipelineRun])).toEqual([
      ['make_td', 'run_2026_11_30'],
    ]);
    expect(byName.get('fg_a')!.producers.map((p) => p.jobName)).toEqual(['make_fg_a']);
    expect(byName.get('fraud')!.producers.map((p) => p.jobName)).toEqual(['train_fraud']);
    expect(byName.get('fg_b')!.depth).toBe(2);
    expect(r.edges.map((e) => `${e.from.kind}>${e.to.kind}`).sort()).toEqual([
      'FEATURE_GROUP>TRAINING_DATASET',
      'FEATURE_GROUP>TRAINING_DATASET',
      'TRAINING_DATASET>MODEL',
    ]);
  });

  it("depth 3 adds only Resources' dataset, nothing of churn", async () => {
    expect(names(await up('fraud/1', 3))).toEqual(['Resources/-', 'fg_a/1', 'fg_b/2', 'fraud/1', 'td/1']);
    expect(names(await up('fraud/1', 10))).toEqual(['Resources/-', 'fg_a/1', 'fg_b/2', 'fraud/1', 'td/1']);
  });

  it('downstream of fg_a_1 is td_1 and fraud/1', async () => {
    const r = await lineage(reader, {
      artifact: parseSelector(FG_A, undefined),
      direction: 'down',
      depth: 5,
      limit: 100,
    });
    expect(names(r)).toEqual(['fg_a/1', 'fraud/1', 'td/1']);
  });

  it('turns 2,000 reads into at most windows + 1 ACCESS events whose counts sum to 2,000', async () => {
    const tdId = story.ids.get(TD_1)!;
    const accesses = story.published.filter(
      (e) => e.artifact.id === tdId && e.op === 'ACCESS' && e.app?.jobName === 'train_fraud',
    );
    const first = Math.min(...accesses.map((e) => e.firstCommitTsMs));
    const last = Math.max(...accesses.map((e) => e.lastCommitTsMs));
    const windows = Math.floor(last / 10_000) - Math.floor(first / 10_000) + 1;
    expect(accesses.reduce((s, e) => s + e.count, 0)).toBe(2_000);
    expect(accesses.length).toBeLessThanOrEqual(windows + 1);
    const { operations } = await activity(reader, { artifact: { id: tdId }, limit: 1000 });
    expect(
      operations
        .filter((o) => o.op === 'ACCESS' && o.app?.jobName === 'train_fraud')
        .reduce((s, o) => s + o.count, 0),
    ).toBe(2_000);
    console.log(
      `raw rows : provenance events = ${story.rows} : ${story.published.length} ` +
        `(${(story.rows / story.published.length).toFixed(1)}x); train_fraud's 2,000 reads of td_1 → ${accesses.length} ACCESS in ${windows} window(s); ${new Set(story.edgesWritten.map((e) => `${e.from.id}>${e.to.id}@${e.app.appId}`)).size} edges`,
    );
  });

  it('a moved model keeps its id and answer; the old name resolves as of before the move', async () => {
    oldFraudId = story.ids.get(FRAUD)!;
    const before = await up('fraud/1', 2);
    beforeMove = story.now();
    await story.idle(1_000);
    await story.rename(FRAUD, FRAUD_OLD, null);
    await story.idle();
    await index.refresh();
    const after = await up('fraud_old/1', 2);
    expect(after.root).toBe(oldFraudId);
    expect(after.nodes.map((n) => n.id)).toEqual(before.nodes.map((n) => n.id));
    expect((await up('fraud/1', 2, beforeMove)).root).toBe(oldFraudId);
  });

  it('delete and recreate from td_2: a new id on the td_2 branch; as of earlier, the td_1 branch with the deleted node flagged', async () => {
    beforeDelete = story.now();
    await story.idle(1_000);
    await story.remove(FRAUD_OLD, null);
    const retrain = ctx('application_3_0001', 'retrain_fraud');
    await story.idle(1_000);
    await story.createRoot(FRAUD, retrain);
    await story.read(TD_2, 20, retrain);
    await story.write(FRAUD, 1, retrain);
    await story.idle();
    await index.refresh();
    const now = await up('fraud/1', 3);
    expect(now.root).not.toBe(oldFraudId);
    expect(names(now)).toEqual(['fg_c/1', 'fraud/1', 'td/2']);
    const then = await up('fraud/1', 2, beforeDelete);
    expect(then.root).toBe(oldFraudId);
    expect(names(then)).toEqual(['fg_a/1', 'fg_b/2', 'fraud_old/1', 'td/1']);
    expect(then.nodes.find((n) => n.id === oldFraudId)!.deleted).toBe(false); // not yet deleted then
    const today = await lineage(reader, {
      artifact: { id: oldFraudId },
      direction: 'up',
      depth: 1,
      limit: 10,
    });
    expect(today.nodes.find((n) => n.id === oldFraudId)!.deleted).toBe(true);
  });

  it("an app in p3 reading p1's fg_a_1 and a p2 dataset makes both edges; each ACCESS belongs to its data's owner", async () => {
    const x = ctx('application_4_0001', 'make_td_x');
    const SALES = '/Projects/p2/Sales';
    const TD_X = '/Projects/p3/p3_Training_Datasets/td_x_1';
    await story.createRoot(SALES, null);
    await story.createRoot(TD_X, x);
    await story.read(FG_A, 5, x);
    await story.read(SALES, 5, x);
    await story.write(TD_X, 1, x);
    await story.idle();
    await index.refresh();
    const r = await lineage(reader, { artifact: { path: TD_X }, direction: 'up', depth: 1, limit: 10 });
    expect(names(r)).toEqual(['Sales/-', 'fg_a/1', 'td_x/1']);
    expect(r.edges.map((e) => `${e.from.project}>${e.to.project}`).sort()).toEqual(['p1>p3', 'p2>p3']);
    const accesses = story.published.filter((e) => e.op === 'ACCESS' && e.app?.appId === x.appId);
    const topics = accesses.map((e) => provenanceTopicOf({ topic: 'prov', topicPerProject: true }, e));
    expect([...new Set(topics)].sort()).toEqual(['prov.p1', 'prov.p2']);
  });

  it('stops at the limit and says so', async () => {
    const r = await lineage(reader, { artifact: { id: oldFraudId }, direction: 'up', depth: 3, limit: 3 });
    expect(r.nodes).toHaveLength(3);
    expect(r.truncated).toBe(true);
  });
});
