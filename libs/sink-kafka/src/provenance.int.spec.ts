import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { PROVENANCE_EVENT_SCHEMA, PROVENANCE_EVENT_SCHEMA_VERSION, type ProvenanceEvent } from '@epipe/core';
import { executionContext } from '../../core/src/testing/provenance';
import type { KafkaSinkConfig } from './index';
import { HEADER_EVENT_ID, HEADER_SCHEMA } from './records';
import { KafkaTestBed, testSinkConfig } from './testing/kafka';

jest.setTimeout(120_000);

const bed = new KafkaTestBed('prov_kafka');
const validate = new Ajv2020({ strict: true }).compile(
  JSON.parse(
    readFileSync(join(__dirname, '../../../schemas/provenance-event.schema.json'), 'utf8'),
  ) as object,
);
/** Each sink's topics: <base>_events, <base>_dlq, <base>_prov. */
const bases: string[] = [];

function provenanceSinkConfig(overrides: Partial<KafkaSinkConfig> = {}): KafkaSinkConfig {
  const base = bed.name('sink');
  bases.push(base);
  return testSinkConfig(base, { clientId: 'prov-test', provenanceTopic: `${base}_prov`, ...overrides });
}

let n = 0;
function event(artifactId: number, project: string): ProvenanceEvent {
  n++;
  return {
    schema: PROVENANCE_EVENT_SCHEMA,
    schemaVersion: PROVENANCE_EVENT_SCHEMA_VERSION,
    eventId: `prov/testdb/${n.toString(16).padStart(32, '0')}`,
    artifact: {
      id: artifactId,
      kind: 'FEATURE_GROUP',
      project,
      name: 'fg',
      version: 1,
      path: `/Projects/${project}/x`,
    },
    op: 'ACCESS',
    detail: null,
    count: n,
    firstCommitTsMs: 1_000,
    lastCommitTsMs: 2_000,
    app: executionContext('app_1'),
    user: { id: 1, name: 'alice' },
    logIds: [n],
  };
}

const consume = (topics: string[], count: number) => bed.consume<ProvenanceEvent>(topics, count);

describe('provenance publish (real Kafka)', () => {
  it('publishes to the provenance topic keyed by artifact id, valid against the schema', async () => {
    const sink = await bed.startedSink(provenanceSinkConfig());
    const events = [1, 2, 3, 1, 2, 1, 4].map((id) => event(id, 'p1'));
    expect(await sink.publishProvenance(events)).toEqual({ rejected: [] });
    const got = await consume([`${bases.at(-1)}_prov`], events.length);
    expect(got).toHaveLength(events.length);
    for (const g of got) {
      expect(validate(g.value)).toBe(true);
      expect(g.key).toBe(String(g.value.artifact.id));
      expect(g.headers[HEADER_EVENT_ID]).toBe(g.value.eventId);
      expect(g.headers[HEADER_SCHEMA]).toBe('epipe.provenance-event');
    }
    // One artifact, one partition, in publish order.
    const ofOne = got.filter((g) => g.key === '1');
    expect(new Set(ofOne.map((g) => g.partition)).size).toBe(1);
    expect(ofOne.map((g) => g.value.count)).toEqual(
      events.filter((e) => e.artifact.id === 1).map((e) => e.count),
    );
  });

  it("with topicPerProject, creates each owner project's topic when first used", async () => {
    const sink = await bed.startedSink(provenanceSinkConfig({ topicPerProject: true }));
    const base = `${bases.at(-1)}_prov`;
    const before = await bed.admin.listTopics();
    expect(before.filter((t) => t.startsWith(base))).toEqual([]);
    expect(await sink.publishProvenance([event(10, 'p1'), event(20, 'p2'), event(11, 'p1')])).toEqual({
      rejected: [],
    });
    expect(await sink.publishProvenance([event(21, 'p2'), event(30, 'odd name')])).toEqual({ rejected: [] });
    const topics = (await bed.admin.listTopics()).filter((t) => t.startsWith(base)).sort();
    expect(topics).toEqual([`${base}.odd_name`, `${base}.p1`, `${base}.p2`]);
    const got = await consume(topics, 5);
    const where = got.map((g) => `${g.topic.slice(base.length)}:${g.value.artifact.id}`).sort();
    expect(where).toEqual(['.odd_name:30', '.p1:10', '.p1:11', '.p2:20', '.p2:21']);
  });

  it('with topic creation off, refuses events for a missing provenance topic naming it and the setting, and publishes once it exists', async () => {
    const config = provenanceSinkConfig({ createTopics: false, partitions: 1 });
    const base = bases.at(-1)!;
    await bed.admin.createTopics({
      waitForLeaders: true,
      topics: [`${base}_events`, `${base}_dlq`].map((topic) => ({ topic, numPartitions: 1 })),
    });
    const sink = bed.sink(config);
    await sink.start();
    const first = event(40, 'p1');
    const { rejected } = await sink.publishProvenance([first]);
    expect(rejected.map((r) => r.event.eventId)).toEqual([first.eventId]);
    expect(rejected[0]!.reason).toContain(`${base}_prov`);
    expect(rejected[0]!.reason).toContain('EPIPE_KAFKA_CREATE_TOPICS');
    expect(await bed.admin.listTopics()).not.toContain(`${base}_prov`);

    await bed.admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: `${base}_prov`, numPartitions: 1 }],
    });
    expect(await sink.publishProvenance([event(41, 'p1')])).toEqual({ rejected: [] });
    const got = await consume([`${base}_prov`], 1);
    expect(got.map((g) => g.value.artifact.id)).toEqual([41]);
  });
});
