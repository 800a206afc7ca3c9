import {
  PROVENANCE_EVENT_SCHEMA,
  PROVENANCE_EVENT_SCHEMA_VERSION,
  silentLogger,
  type ProvenanceEvent,
} from '@epipe/core';
import { createKafkaSink, type KafkaSink } from '@epipe/sink-kafka';
import { deleteTopicsWithPrefix } from '../../../../test/support/cleanup';
import { testEnv, uniqueName } from '../../../../test/support/env';
import { testSinkConfig } from '../../../../libs/sink-kafka/src/testing/kafka';
import type { CliIo } from './common';
import { subscribeCommand } from './subscribe';

jest.setTimeout(180_000);

const env = testEnv();
const base = uniqueName('cli_subscribe');
const topic = `${base}_prov`;
let sink: KafkaSink;

function event(i: number): ProvenanceEvent {
  return {
    schema: PROVENANCE_EVENT_SCHEMA,
    schemaVersion: PROVENANCE_EVENT_SCHEMA_VERSION,
    eventId: `prov/testdb/${i.toString(16).padStart(32, '0')}`,
    artifact: {
      id: i % 7,
      kind: 'DATASET',
      project: i % 2 ? 'p1' : 'p2',
      name: 'd',
      version: null,
      path: '/Projects/p/d',
    },
    op: 'ACCESS',
    detail: null,
    count: 1,
    firstCommitTsMs: i,
    lastCommitTsMs: i,
    app: null,
    user: { id: 1, name: 'alice' },
    logIds: [i],
  };
}

function io(): { io: CliIo; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    io: {
      out: (l) => lines.push(l),
      err: (l) => lines.push(`ERR ${l}`),
      env: { EPIPE_KAFKA_BROKERS: env.kafkaBrokers.join(',') },
    },
  };
}

const ids = (lines: string[]) => lines.map((l) => (JSON.parse(l) as ProvenanceEvent).eventId);

beforeAll(async () => {
  sink = createKafkaSink(
    testSinkConfig(base, {
      clientId: 'cli-subscribe-test',
      provenanceTopic: topic,
      maxBatchBytes: 4 * 1024, // many small batches
    }),
    { logger: silentLogger() },
  );
  await sink.start();
  await sink.publishProvenance(Array.from({ length: 200 }, (_, i) => event(i + 1)));
});

afterAll(async () => {
  await sink.close();
  await deleteTopicsWithPrefix(env.kafkaBrokers, base);
});

describe('epipe subscribe (real Kafka)', () => {
  it('a subscriber stopped and restarted prints, in union and deduplicated, every event of the topic', async () => {
    const group = uniqueName('cli_group');
    const first = io();
    expect(await subscribeCommand(['--topic', topic, '--group', group, '--max', '70'], first.io)).toBe(0);
    expect(first.lines).toHaveLength(70);
    const second = io();
    expect(await subscribeCommand(['--topic', topic, '--group', group, '--max', '130'], second.io)).toBe(0);
    const union = new Set([...ids(first.lines), ...ids(second.lines)]);
    expect(union.size).toBe(200);
    expect([...union].sort()).toEqual(Array.from({ length: 200 }, (_, i) => event(i + 1).eventId).sort());
  });

  it('--from beginning reads everything again; --project filters by the owning project', async () => {
    const t = io();
    expect(
      await subscribeCommand(
        ['--topic', topic, '--from', 'beginning', '--project', 'p1', '--max', '100'],
        t.io,
      ),
    ).toBe(0);
    const got = t.lines.map((l) => JSON.parse(l) as ProvenanceEvent);
    expect(got).toHaveLength(100);
    expect(new Set(got.map((e) => e.artifact.project))).toEqual(new Set(['p1']));
  });
});
