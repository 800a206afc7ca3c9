import { DEFAULT_ENRICH_CONFIG } from '@epipe/enrich';
import { DEFAULT_EPOCH_CONFIG, epochConfig } from '@epipe/epoch';
import { DEFAULT_FILTER_CONFIG, filterConfig } from '@epipe/filter';
import { DEFAULT_PIPELINE_CONFIG, DEFAULT_PROVENANCE_CONFIG } from '@epipe/pipeline';
import { DEFAULT_ELASTIC_SINK_CONFIG } from '@epipe/sink-elastic';
import { DEFAULT_KAFKA_SINK_CONFIG } from '@epipe/sink-kafka';
import { DEFAULT_SOURCE_CONFIG } from '@epipe/source';
import { loadConfig } from './load';
import { FIELDS, type FieldSpec } from './schema';

/** A value the field's declaration refuses, as the environment would give it. */
function refused(f: FieldSpec): string | undefined {
  switch (f.type) {
    case 'int':
      return f.min !== undefined && f.min > 0 ? String(f.min - 1) : 'twelve';
    case 'bool':
      return 'maybe';
    case 'string':
      return f.oneOf || f.check ? 'none-of-these' : undefined;
    case 'list':
      return undefined; // any string is a list; bad entries are the stage's check (filter rules)
  }
}

describe('the configuration schema', () => {
  // Every field a library or the service declares is checked by its declaration, and the error
  // names the field's path and variable, so an operator knows what to fix.
  const checked = FIELDS.filter((f) => refused(f) !== undefined);
  it.each(checked.map((f) => [f.path, f] as const))('%s refuses a wrong value, naming the field', (_, f) => {
    const value = refused(f)!;
    let message = '';
    try {
      loadConfig({ env: { [f.env]: value } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`config ${f.path} (env ${f.env}): expected `);
    if (f.secret) expect(message).not.toContain(value);
  });

  it('checks most fields (ints, bools and choices) that way', () => {
    expect(checked.length).toBeGreaterThan(FIELDS.length / 2);
  });

  it('has each path and each variable once', () => {
    expect(new Set(FIELDS.map((f) => f.path)).size).toBe(FIELDS.length);
    expect(new Set(FIELDS.map((f) => f.env)).size).toBe(FIELDS.length);
  });

  // The libraries' defaults (what tests, the bench and embedders get) are the daemon's defaults:
  // one declaration each, not two sets that drift (they had: the source's chunk and queue sizes,
  // its query timeout and the epoch's batch bytes).
  it("gives the daemon exactly the libraries' defaults", () => {
    const c = loadConfig({ env: {} });
    expect(c.source).toEqual({
      scanPageRows: DEFAULT_SOURCE_CONFIG.scanPageRows,
      chunkMaxRows: DEFAULT_SOURCE_CONFIG.chunkMaxRows,
      chunkMaxBytes: DEFAULT_SOURCE_CONFIG.chunkMaxBytes,
      queueMaxBytes: DEFAULT_SOURCE_CONFIG.queueMaxBytes,
      heartbeatMs: DEFAULT_SOURCE_CONFIG.heartbeatMs,
    });
    expect(c.mysql).toMatchObject({
      logTable: DEFAULT_SOURCE_CONFIG.logTable,
      connectTimeoutMs: DEFAULT_SOURCE_CONFIG.connectTimeoutMs,
      queryTimeoutMs: DEFAULT_SOURCE_CONFIG.queryTimeoutMs,
    });
    expect(epochConfig(c.epoch)).toEqual(DEFAULT_EPOCH_CONFIG);
    expect({ epoch: epochConfig(c.epoch), ...c.pipeline }).toEqual(DEFAULT_PIPELINE_CONFIG);
    expect(c.provenance).toMatchObject(DEFAULT_PROVENANCE_CONFIG);
    expect(c.enrich).toEqual(DEFAULT_ENRICH_CONFIG);
    expect(filterConfig(c.filter)).toMatchObject(DEFAULT_FILTER_CONFIG);
    expect(c.kafka).toMatchObject(DEFAULT_KAFKA_SINK_CONFIG);
    expect(c.elastic).toMatchObject(DEFAULT_ELASTIC_SINK_CONFIG);
  });
});
