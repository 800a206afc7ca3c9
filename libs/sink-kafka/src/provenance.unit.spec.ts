import { PROVENANCE_EVENT_SCHEMA, PROVENANCE_EVENT_SCHEMA_VERSION, type ProvenanceEvent } from '@epipe/core';
import { groupByTopic, provenanceRecord, provenanceTopicOf } from './provenance';

function event(id: number, project: string): ProvenanceEvent {
  return {
    schema: PROVENANCE_EVENT_SCHEMA,
    schemaVersion: PROVENANCE_EVENT_SCHEMA_VERSION,
    eventId: `prov/testdb/${String(id).padStart(32, '0')}`,
    artifact: { id, kind: 'DATASET', project, name: 'd', version: null, path: `/Projects/${project}/d` },
    op: 'ACCESS',
    detail: null,
    count: 1,
    firstCommitTsMs: 1,
    lastCommitTsMs: 1,
    app: null,
    user: { id: 1, name: null },
    logIds: [id],
  };
}

describe('provenance records', () => {
  it('are keyed by artifact id and carry the event id and schema in headers', () => {
    const r = provenanceRecord(event(42, 'p1'));
    expect(r.key).toBe('42');
    expect(r.headers).toEqual({
      'epipe-event-id': event(42, 'p1').eventId,
      'epipe-schema': 'epipe.provenance-event',
      'epipe-schema-version': '1',
    });
    expect(JSON.parse(r.value)).toEqual(event(42, 'p1'));
  });

  it("go to one topic, or to the owner project's topic with names Kafka accepts", () => {
    expect(provenanceTopicOf({ topic: 'prov', topicPerProject: false }, event(1, 'p1'))).toBe('prov');
    expect(provenanceTopicOf({ topic: 'prov', topicPerProject: true }, event(1, 'p1'))).toBe('prov.p1');
    expect(provenanceTopicOf({ topic: 'prov', topicPerProject: true }, event(1, 'my proj/ä'))).toBe(
      'prov.my_proj__',
    );
    expect(
      provenanceTopicOf({ topic: 'prov', topicPerProject: true }, event(1, 'x'.repeat(400))),
    ).toHaveLength(249);
  });

  it('group by topic keeping the order within each', () => {
    const events = [event(1, 'a'), event(2, 'b'), event(3, 'a'), event(4, 'a')];
    const groups = groupByTopic({ topic: 't', topicPerProject: true }, events);
    expect([...groups.keys()]).toEqual(['t.a', 't.b']);
    expect(groups.get('t.a')!.map((e) => e.artifact.id)).toEqual([1, 3, 4]);
  });
});
