import { resolve } from 'node:path';
import { type FileEvent, Operation } from '@epipe/core';
import { logRowsLeft, readTopic, waitFor } from '../support/checker';
import { createProjectDirs } from '../support/db';
import { expectNoLoss, type FaultScenario, withFaultScenario } from './support/scenario';

const SKEW = resolve(__dirname, 'support/skew-clock.cjs');

async function status(s: FaultScenario): Promise<{ lastError: string | null; leader: boolean }> {
  const res = await fetch(`http://127.0.0.1:${s.daemon.httpPort}/status`, {
    signal: AbortSignal.timeout(5_000),
  });
  return (await res.json()) as { lastError: string | null; leader: boolean };
}

describe('fault: safety nets', () => {
  it('rows of an XA transaction, which the binlog tail never turns into events, are rescanned and delivered', async () => {
    await withFaultScenario('fault_xa', { daemonEnv: { EPIPE_MISSED_ROW_AGE_MS: '3000' } }, async (s) => {
      const ctx = { user: 'alice' };
      await createProjectDirs(s.nameNode, 'xa', ['data']);
      await s.nameNode.create('/Projects/xa/data/f', ctx);
      await s.daemon.startReady();
      await waitFor('the daemon to drain the log', async () => (await logRowsLeft(s.pool)) === 0, 60_000);
      // A read of the file logged in an XA transaction, as a transaction manager would commit it.
      const [inode] = await s.pool.query("SELECT id, parent_id, logical_time FROM inodes WHERE name = 'f'");
      const f = (inode as { id: number; parent_id: number; logical_time: number }[])[0]!;
      const conn = await s.pool.getConnection();
      try {
        await conn.query("XA START 'epipe-xa-1'");
        await conn.query(
          `INSERT INTO fs_log (inode_id, parent_id, inode_name, is_dir, operation, logical_time, user_id, commit_ts_ms, tx_id)
           SELECT ?, ?, 'f', 0, ?, ?, u.id, ?, 424242 FROM fs_users u WHERE u.name = 'alice'`,
          [f.id, f.parent_id, Operation.ACCESS, f.logical_time, Date.now()],
        );
        await conn.query("XA END 'epipe-xa-1'");
        await conn.query("XA PREPARE 'epipe-xa-1'");
        await conn.query("XA COMMIT 'epipe-xa-1'");
      } finally {
        conn.release();
      }
      expect(await logRowsLeft(s.pool)).toBe(1);
      const started = Date.now();
      await waitFor(
        'the XA row to be delivered and deleted',
        async () => (await logRowsLeft(s.pool)) === 0,
        60_000,
      );
      const tookMs = Date.now() - started;
      const rescans = await s.daemon.metric('epipe_restarts_total', { code: 'SOURCE_MISSED_ROWS' });
      const { report, problems } = await s.check(
        'an XA transaction committed while the daemon tails the binlog',
      );
      process.stdout.write(`[fault report]   XA row delivered after ${tookMs} ms by ${rescans} rescan(s)\n`);
      expectNoLoss({ report, problems });
      expect(rescans).toBeGreaterThanOrEqual(1);
    });
  }, 300_000);

  it('a DELETE refused for good (grant revoked) is a clear error in /status and the log, and recovers once granted', async () => {
    await withFaultScenario('fault_ackgrant', {}, async (s) => {
      const ctx = { user: 'alice' };
      await createProjectDirs(s.nameNode, 'ack', ['data']);
      await s.daemon.startReady();
      // A lifetime's start checks the grants too (and names the same GRANT): revoke only once this
      // one has acknowledged and deleted the project's rows, so the refusal must come from an
      // acknowledgement. Ready means serving, not past that check: revoking at once raced it.
      await waitFor('the project rows to be deleted', async () => (await logRowsLeft(s.pool)) === 0, 60_000);
      const table = `\`${s.names.database}\`.\`fs_log\``;
      const account = `'${s.names.user}'@'%'`;
      await s.pool.query(`REVOKE DELETE ON ${table} FROM ${account}`);
      for (let i = 0; i < 5; i++) await s.nameNode.create(`/Projects/ack/data/f${i}`, ctx);
      await waitFor(
        'the refusal in /status',
        async () =>
          /refuses to delete acknowledged rows.*GRANT DELETE/.test((await status(s)).lastError ?? ''),
        60_000,
      );
      expect(await s.daemon.metric('epipe_restarts_total', { code: 'ACK_REFUSED' })).toBeGreaterThanOrEqual(
        1,
      );
      await s.pool.query(`GRANT DELETE ON ${table} TO ${account}`);
      const { report, problems } = await s.check('DELETE revoked, then granted again', {
        timeoutMs: 180_000,
      });
      expectNoLoss({ report, problems });
    });
  }, 300_000);

  it('epochs keep increasing across a failover to a host whose clock is an hour behind (P1)', async () => {
    await withFaultScenario('fault_skew', {}, async (s) => {
      const ctx = { user: 'alice' };
      await createProjectDirs(s.nameNode, 'skew', ['data']);
      await s.daemon.startReady();
      for (let i = 0; i < 20; i++) await s.nameNode.create(`/Projects/skew/data/a${i}`, ctx);
      await s.quiesce(60_000);
      expect(await s.daemon.stop()).toBe(0);
      // The successor reads the same database, topic and index, with its clock an hour behind.
      const second = await s.addDaemon({ NODE_OPTIONS: `--require ${SKEW}` }, 'skewed');
      await second.startReady();
      for (let i = 0; i < 20; i++) await s.nameNode.create(`/Projects/skew/data/b${i}`, ctx);
      await waitFor(
        'the skewed daemon to drain the log',
        async () => (await logRowsLeft(s.pool)) === 0,
        60_000,
      );
      await second.stop();
      const epochs = { a: [] as number[], b: [] as number[] };
      await readTopic(s.env.kafkaBrokers, s.names.topic, ({ value }) => {
        if (!value) return;
        const e = JSON.parse(value.toString('utf8')) as FileEvent;
        if (e.path?.includes('/data/a')) epochs.a.push(e.epoch);
        if (e.path?.includes('/data/b')) epochs.b.push(e.epoch);
      });
      expect(epochs.a.length).toBeGreaterThan(0);
      expect(epochs.b.length).toBeGreaterThan(0);
      process.stdout.write(
        `[fault report]   epochs before the failover up to ${Math.max(...epochs.a)}, after it from ${Math.min(...epochs.b)}\n`,
      );
      expect(Math.min(...epochs.b)).toBeGreaterThan(Math.max(...epochs.a));
    });
  }, 300_000);
});
