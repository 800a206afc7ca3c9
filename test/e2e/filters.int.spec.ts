import { createSubscriber, type Subscriber } from '@epipe/client';
import { logRowsLeft, type Received, searchDocuments, waitFor } from '../support/checker';
import {
  daemonConfig,
  dropDaemonUser,
  type DaemonNames,
  type InProcessDaemon,
  prepareDaemon,
  startInProcess,
} from '../support/daemon';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testEnv } from '../support/env';

/**
 * Path globs and a list of tag rules on the real stack: the nearest tagged folder decides, a
 * debug tag publishes below an excluded glob, an off tag hides a subtree, and the counters say
 * which rule left each row out.
 */
describe('filters end to end', () => {
  let db: TestDatabase;
  let names: DaemonNames;
  let daemon: InProcessDaemon;
  let subscriber: Subscriber;
  const received: Received[] = [];
  const env = testEnv();

  beforeAll(async () => {
    db = await createTestDatabase('e2e_filters');
    names = await prepareDaemon(db.database);
    daemon = startInProcess(
      daemonConfig(names, {
        EPIPE_FILTER_EXCLUDE: '/Projects/*/scratch/**',
        EPIPE_FILTER_TAGS: 'epipe.log=debug:debug, epipe.log=off:off',
      }),
    );
    await waitFor('the daemon to be ready', () => Promise.resolve(daemon.state.ready));
    subscriber = createSubscriber({
      brokers: env.kafkaBrokers,
      topic: names.topic,
      groupId: `${names.topic}-check`,
      dedupe: false,
    });
    await subscriber.start(({ event, partition, offset }) => {
      received.push({ event, partition, offset });
    });
  });

  afterAll(async () => {
    await subscriber?.stop();
    await daemon?.stop();
    if (names) await dropDaemonUser(names);
    await db?.drop();
  });

  it('publishes and indexes what the rules keep, and counts what each rule left out', async () => {
    const nn = db.nameNode;
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
    await waitFor('the log table to empty', async () => (await logRowsLeft(db.pool)) === 0);
    await waitFor('the last file event', () =>
      Promise.resolve(received.some((r) => r.event.path === '/Projects/fl/data/seen')),
    );
    const files = received
      .map((r) => r.event)
      .filter((e) => e.operation === 'CREATE' && !e.isDir)
      .map((e) => e.path);
    expect(files.sort()).toEqual(['/Projects/fl/data/seen', '/Projects/fl/scratch/dbg/seen']);
    const indexed = [...(await searchDocuments(env.elasticUrl, names.index)).values()].map((d) => d.path);
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
