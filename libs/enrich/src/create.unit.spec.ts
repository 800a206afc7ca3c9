import { createLogger } from '@epipe/core';
import type { EnrichConfig } from './config';
import { createEnricher } from './create';
import { batch, row, world } from './testing/fixtures';

const config: EnrichConfig = {
  sourceName: 'meta',
  cacheMaxBytes: 1024 * 1024,
  maxXattrBytes: 100,
  orphanWaitMs: 2_000,
};

const metrics = {
  cacheHits: { inc: () => undefined },
  cacheMisses: { inc: () => undefined },
  cacheBytes: { set: () => undefined },
  unresolved: { inc: () => undefined },
};

describe('createEnricher', () => {
  it('logs one debug line per batch through the logger it is given', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger(
      { level: 'debug' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const db = world();
    db.addInode({ inodeId: 11, parentId: 4, name: 'f', logicalTime: 1 });
    const enricher = createEnricher(config, { reader: db, logger, metrics });
    const result = await enricher.enrich(batch([row('CREATE', 11, 4, 'f')]));
    expect(result.events).toHaveLength(1);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 20,
        msg: 'batch enriched',
        epoch: 7,
        rows: 1,
        events: 1,
        filtered: 0,
        docs: 1,
        dead: 0,
      }),
    ]);
  });
});
