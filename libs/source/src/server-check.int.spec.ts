import { silentLogger } from '@epipe/core';
import { testEnv } from '../../../test/support/env';
import { openConnection, type SourceConnection } from './db';
import { checkServer, readServerFacts } from './server-check';
import { SourceRun } from './testing/run';
import { useEpipeAccount, useTestDatabase } from './testing/database';
import { sourceConfig, testSource } from './testing/setup';

jest.setTimeout(60_000);

/** The start-up check against the real server, as root and as epipe's least-privilege account. */
describe('server check', () => {
  const t = useTestDatabase('source_check');
  const account = useEpipeAccount(t, 'epipe_chk');
  const { user, password } = account;

  async function withConnection<T>(
    as: { user: string; password: string },
    fn: (c: SourceConnection) => Promise<T>,
  ) {
    const conn = await openConnection(sourceConfig({ ...testEnv().mysql, ...as }, t.db.database));
    try {
      return await fn(conn);
    } finally {
      await conn.close();
    }
  }

  it('accepts the local stack as root and as the account DESIGN.md describes', async () => {
    const config = sourceConfig(testEnv().mysql, t.db.database);
    await withConnection(testEnv().mysql, (c) => checkServer(c, config, silentLogger()));
    await withConnection({ user, password }, (c) => checkServer(c, config, silentLogger()));
  });

  it('reads the facts the verdict needs from the server', async () => {
    const facts = await withConnection({ user, password }, (c) =>
      readServerFacts(c, sourceConfig(testEnv().mysql, t.db.database)),
    );
    expect(facts.variables).toMatchObject({ log_bin: 'ON', binlog_format: 'ROW', binlog_row_image: 'FULL' });
    expect(facts.currentUser).toBe(`'${user}'@'%'`);
    expect(facts.logTableExists).toBe(true);
    expect(facts.grants.join('\n')).toMatch(/REPLICATION SLAVE/);
  });

  it('refuses, naming the privilege, when the account cannot delete log rows', async () => {
    await account.admin.query(`REVOKE DELETE ON \`${t.db.database}\`.\`fs_log\` FROM ?@'%'`, [user]);
    try {
      const config = sourceConfig({ ...testEnv().mysql, user, password }, t.db.database);
      const run = new SourceRun(testSource(config).source);
      const error = await run.ended();
      expect(error).toMatchObject({ code: 'SERVER_MISCONFIGURED', retriable: false });
      expect((error as Error).message).toMatch(/lacks DELETE: GRANT DELETE ON `[^`]+`\.`fs_log`/);
    } finally {
      await account.admin.query(`GRANT DELETE ON \`${t.db.database}\`.\`fs_log\` TO ?@'%'`, [user]);
    }
  });

  it('refuses a log table that is not there, and the server id of the server itself', async () => {
    const config = sourceConfig(testEnv().mysql, t.db.database, { logTable: 'no_such_log', serverId: 1 });
    const error = await withConnection(testEnv().mysql, (c) => checkServer(c, config, silentLogger())).catch(
      (err: unknown) => err,
    );
    expect(error).toMatchObject({ code: 'SERVER_MISCONFIGURED' });
    expect((error as Error).message).toMatch(/no_such_log does not exist/);
    expect((error as Error).message).toMatch(/serverId 1 is the server's own server_id/);
  });

  it('fails with a retriable error when the server cannot be reached', async () => {
    const config = sourceConfig({ ...testEnv().mysql, port: 1 }, t.db.database);
    const error = await new SourceRun(testSource(config).source).ended();
    expect(error).toMatchObject({ code: 'SOURCE_CONNECTION', retriable: true });
  });

  it('fails without retry on a wrong password', async () => {
    const config = sourceConfig({ ...testEnv().mysql, user, password: 'wrong' }, t.db.database);
    const error = await new SourceRun(testSource(config).source).ended();
    expect(error).toMatchObject({ code: 'AUTH_FAILED', retriable: false });
    expect((error as Error).message).toMatch(/^mariadb: .*Access denied for user/);
  });
});
