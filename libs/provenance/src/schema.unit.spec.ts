import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { ARTIFACT_KINDS, ARTIFACT_OPS } from '@epipe/core';
import { createCoalescer } from './coalescer';
import { app, FakeTree, fileEvent } from './fixtures.spec';

interface SchemaDoc {
  required: string[];
  properties: Record<string, { enum?: string[] }>;
  $defs: Record<string, { required: string[]; properties: Record<string, { enum?: string[] }> }>;
}

const schema = JSON.parse(
  readFileSync(join(__dirname, '../../../schemas/provenance-event.schema.json'), 'utf8'),
) as SchemaDoc;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function sampleEvents() {
  const tree = new FakeTree();
  const c = createCoalescer({ source: 'testdb', rootIdOf: tree.resolver, now: () => 0 });
  const instant = c.add(1, [
    fileEvent('ACCESS', '/Projects/p/p_Training_Datasets/td_1/f', { app: app('a', { pipelineRun: 'r1' }) }),
    fileEvent('ACCESS', '/Projects/p/Resources/x', {}),
    fileEvent('CREATE', '/Projects/p/Models/m/1', { isDir: true }),
    fileEvent('XATTR_ADD', '/Projects/p/Experiments/app_1/x', { xattrName: 'k' }),
    fileEvent('DELETE', '/Projects/p/p_featurestore.db/fg_1/part', {}),
  ]);
  return [...instant, ...c.flush()];
}

describe('schemas/provenance-event.schema.json', () => {
  it('accepts what the coalescer emits', () => {
    const events = sampleEvents();
    expect(events).toHaveLength(5);
    for (const e of events)
      expect({ ok: validate(JSON.parse(JSON.stringify(e))), errors: validate.errors ?? null }).toEqual({
        ok: true,
        errors: null,
      });
  });

  it('documents exactly the fields the event has, all required', () => {
    const [e] = sampleEvents();
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(e!).sort());
    expect([...schema.required].sort()).toEqual(Object.keys(e!).sort());
    expect(Object.keys(schema.$defs.artifact!.properties).sort()).toEqual(Object.keys(e!.artifact).sort());
    const withApp = sampleEvents().find((x) => x.app)!;
    expect(Object.keys(schema.$defs.executionContext!.properties).sort()).toEqual(
      Object.keys(withApp.app!).sort(),
    );
    expect(schema.$defs.artifact!.properties.kind!.enum).toEqual([...ARTIFACT_KINDS]);
    expect(schema.properties.op!.enum).toEqual([...ARTIFACT_OPS]);
  });

  it.each([
    ['an unknown op', { op: 'READ' }],
    ['a zero count', { count: 0 }],
    ['a file event id', { eventId: 'testdb/12' }],
    ['no log ids', { logIds: [] }],
    ['another schema version', { schemaVersion: 2 }],
  ])('rejects %s', (_what, patch) => {
    const [e] = sampleEvents();
    expect(validate({ ...JSON.parse(JSON.stringify(e)), ...patch })).toBe(false);
  });
});
