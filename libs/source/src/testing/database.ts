// The database side of this library's integration tests: hooks a describe block registers.
import { dropEpipeUser, grantEpipeUser } from '@epipe/metastore';
import { createConnection, createPool, type Connection, type Pool } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { testEnv, uniqueName } from '../../../../test/support/env';

export interface SourceTestDatabase {
  db: TestDatabase;
  /** Writes log rows, as the name node does. */
  writer: Connection;
}

/** A fresh metadata database and a writer connection to it, for one describe block. */
export function useTestDatabase(name: string): SourceTestDatabase {
  const t = {} as SourceTestDatabase;
  beforeAll(async () => {
    t.db = await createTestDatabase(name);
    t.writer = await createConnection({ ...testEnv().mysql, database: t.db.database });
  });
  afterAll(async () => {
    await t.writer.end();
    await t.db.drop();
  });
  return t;
}

export interface EpipeAccount {
  user: string;
  password: string;
  /** Root's pool: grants, and a view of the account's threads. */
  admin: Pool;
}

/** epipe's least-privilege account on `t`'s database, as the daemon connects, for one describe block. */
export function useEpipeAccount(t: SourceTestDatabase, prefix: string): EpipeAccount {
  const account = {
    user: uniqueName(prefix).slice(0, 60),
    password: `pw-${Math.random().toString(36).slice(2)}`,
  } as EpipeAccount;
  beforeAll(async () => {
    account.admin = createPool({ ...testEnv().mysql, connectionLimit: 2 });
    const { user, password } = account;
    await grantEpipeUser(account.admin, { database: t.db.database, user, password, host: '%' });
  });
  afterAll(async () => {
    await dropEpipeUser(account.admin, account.user, '%');
    await account.admin.end();
  });
  return account;
}
