import type { Delivery } from '@epipe/client';
import { waitFor } from '../support/checker';
import type { InProcessDaemon } from '../support/daemon';
import { E2eRun } from '../support/run';

/**
 * Path globs and a list of tag rules on the real stack: the nearest tagged folder decides, a
 * debug tag publishes below an excluded glob, an off tag hides a subtree, and the counters say
 * which rule left each row out.
 */
describe('filters end to end', () => {
  let run: E2eRun;
  let daemon: InProcessDaemon;
  const received: Delivery[] = [];

  beforeAll(async () => {
    run = await E2eRun.create('e2e_filters');
    daemon = await run.startReadyDaemon({
      EPIPE_FILTER_EXCLUDE: '/Projects/*/scratch/**',
      EPIPE_FILTER_TAGS: 'epipe.log=debug:debug, epipe.log=off:off',
    });
    await run.subscribe(received, { dedupe: false });
  });

  afterAll(() => run?.close());

  it('publishes and indexes what the rules keep, and counts what each rule left out', async () => {
    const nn = run.db.nameNode;
    const ctx = { user: 'alice' };
    await nn.createProject('fl', 'alice');
    await nn.mkdir('/Projects/fl/scratch', ctx);
    await nn.mkdir('/Projects/fl/scratch/dbg', ctx);
    await nn.setXattr('/Projects/fl/scratch/dbg', 'epipe.log', 'debug', ctx);
    await nn.mkdir('/Projects/fl/data', ctx);
    await nn.mkdir('/Projects/fl/data/quiet', ctx);
    await nn.setXattr('/Projects/fl/data/quiet', 'epipe.log', 'off', ctx);
    await nn.create('/Projects/fl/scratch/dbg/seen', ctx);
    await nn.create('/Projects/fl/scratch/hidden', ctx);
    await nn.create('/Projects/fl/data/quiet/hidden', ctx);
    await nn.create('/Projects/fl/data/seen', ctx);
    await run.waitForEmptyLog();
    await waitFor('the last file event', () =>
      Promise.resolve(received.some((r) => r.event.path === '/Projects/fl/data/seen')),
    );
    const files = received
      .map((r) => r.event)
      .filter((e) => e.operation === 'CREATE' && !e.isDir)
      .map((e) => e.path);
    expect(files.sort()).toEqual(['/Projects/fl/data/seen', '/Projects/fl/scratch/dbg/seen']);
    const indexed = [...(await run.documents()).values()].map((d) => d.path);
    expect(indexed).toEqual(
      expect.arrayContaining(['/Projects/fl/data/seen', '/Projects/fl/scratch/dbg/seen']),
    );
    expect(indexed).not.toContain('/Projects/fl/scratch/hidden');
    expect(indexed).not.toContain('/Projects/fl/data/quiet/hidden');
    const filtered = await daemon.metrics.filtered.get();
    const byRule = Object.fromEntries(filtered.values.map((v) => [String(v.labels.rule), v.value]));
    expect(byRule.exclude).toBeGreaterThanOrEqual(2); // scratch itself and scratch/hidden
    expect(byRule.tag).toBeGreaterThanOrEqual(1); // quiet/hidden (and quiet's own xattr row)
  });
});
