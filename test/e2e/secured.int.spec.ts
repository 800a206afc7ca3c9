import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { createSubscriber, type Delivery, type Subscriber } from '@epipe/client';
import { grantEpipeUser, migrate, NameNode } from '@epipe/metastore';
import { createConnection, createPool, type Pool } from 'mysql2/promise';
import { ChildDaemon } from '../faults/support/child-daemon';
import { logRowsLeft, waitFor } from '../support/checker';
import { uniqueName } from '../support/env';

/**
 * The daemon against the secured services of the local stack (`deploy/stack.sh up` writes
 * .stack/secure.env): MariaDB over TLS with an account that REQUIRES X509, Kafka over SASL_SSL
 * with each mechanism the listener offers (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN), Elasticsearch
 * with security on (TLS; an API key, or the account's password), every secret read from a file. Events flow end to end and no secret reaches the log or /status; a
 * wrong password or an untrusted certificate ends the daemon with exit code 2 and exactly one
 * error line that names the system and the reason.
 */
const SECURE_ENV =
  process.env.EPIPE_SECURE_ENV ??
  join(process.env.EPIPE_STACK_DIR ?? resolve(__dirname, '../../.stack'), 'secure.env');
const skip = process.env.EPIPE_STACK_SECURE === '0';

function readSecureEnv(): Record<string, string> {
  if (!existsSync(SECURE_ENV)) {
    throw new Error(`${SECURE_ENV} is missing: run 'deploy/stack.sh up' (without EPIPE_STACK_SECURE=0)`);
  }
  const env: Record<string, string> = {};
  for (const line of readFileSync(SECURE_ENV, 'utf8').split('\n')) {
    if (line.startsWith('#')) continue;
    for (const token of line.replace(/^export\s+/, '').split(/\s+/)) {
      const eq = token.indexOf('=');
      if (eq > 0) env[token.slice(0, eq)] = token.slice(eq + 1);
    }
  }
  return env;
}

interface LogLine {
  level: number;
  msg: string;
}

function errorLines(logFile: string): LogLine[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.level >= 50);
}

(skip ? describe.skip : describe)('the daemon on the secured stack', () => {
  const secure = skip ? {} : readSecureEnv();
  const tlsDir = dirname(secure.EPIPE_MYSQL_TLS_CA_FILE ?? '.');
  const dir = mkdtempSync(join(tmpdir(), 'epipe-secured-'));
  const database = uniqueName('sec');
  const user = uniqueName('sx').slice(0, 30);
  const password = randomBytes(12).toString('hex');
  const passwordFile = join(dir, 'mysql-password');
  const topic = `${database.replace(/_/g, '-')}-events`;
  const index = `${database.replace(/_/g, '-')}-inodes`;
  const root = {
    host: secure.EPIPE_MYSQL_HOST ?? '127.0.0.1',
    port: Number(secure.EPIPE_MYSQL_PORT ?? 3307),
    user: 'root',
    password: '',
  };
  const apiKeyFile = join(dir, 'es-api-key');
  let apiKey: { id: string; encoded: string; api_key: string } | undefined;
  const secrets = (): string[] => [
    password,
    readFileSync(secure.EPIPE_KAFKA_SASL_PASSWORD_FILE!, 'utf8').trim(),
    readFileSync(secure.EPIPE_ES_PASSWORD_FILE!, 'utf8').trim(),
    ...(apiKey ? [apiKey.encoded, apiKey.api_key] : []),
  ];
  /** A client of the secured Elasticsearch as the stack's account (password auth). */
  const esAsAccount = (): Client =>
    new Client({
      node: secure.EPIPE_ES_URL!,
      auth: { username: secure.EPIPE_ES_USERNAME!, password: secrets()[2]! },
      tls: { ca: readFileSync(secure.EPIPE_ES_CA_FILE!, 'utf8') },
    });
  let pool: Pool;
  const daemons: ChildDaemon[] = [];

  /** The daemon's environment: the secured stack, this test's account and names, secrets from files. */
  const daemonEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
    ...secure,
    EPIPE_MYSQL_USER: user,
    EPIPE_MYSQL_PASSWORD: '',
    EPIPE_MYSQL_PASSWORD_FILE: passwordFile,
    EPIPE_MYSQL_DATABASE: database,
    EPIPE_KAFKA_TOPIC: topic,
    EPIPE_KAFKA_DLQ_TOPIC: `${topic}.dlq`,
    EPIPE_KAFKA_PARTITIONS: '3',
    EPIPE_ES_INDEX: index,
    EPIPE_HEARTBEAT_MS: '2000',
    EPIPE_LOG_LEVEL: 'info',
    ...overrides,
  });

  const startDaemon = async (name: string, overrides: Record<string, string> = {}): Promise<ChildDaemon> => {
    const daemon = await ChildDaemon.create(daemonEnv(overrides), join(dir, `${name}.log`));
    daemons.push(daemon);
    return daemon;
  };

  beforeAll(async () => {
    const admin = createPool({ ...root, connectionLimit: 1 });
    try {
      await migrate(admin, database);
      await grantEpipeUser(admin, { database, user, password, host: '%' });
      await admin.query(`ALTER USER ?@'%' REQUIRE X509`, [user]);
    } finally {
      await admin.end();
    }
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    pool = createPool({ ...root, database, connectionLimit: 4, multipleStatements: true });
    // An API key of the stack's account (its privileges, no more), made the way an operator
    // would; the daemon then runs with the key alone, no user or password.
    const es = esAsAccount();
    try {
      apiKey = await es.security.createApiKey({ name: `${database}-daemon`, expiration: '1h' });
    } finally {
      await es.close();
    }
    writeFileSync(apiKeyFile, `${apiKey.encoded}\n`, { mode: 0o600 });
  });

  // A daemon left running by a failed test would hold the leader lock and stall the next ones.
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.kill();
  });

  afterAll(async () => {
    if (apiKey) {
      const es = esAsAccount();
      await es.security.invalidateApiKey({ ids: [apiKey.id] }).catch(() => undefined);
      await es.close();
    }
    if (pool) {
      await pool.query(`DROP USER IF EXISTS ?@'%'`, [user]).catch(() => undefined);
      await pool.query(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
      await pool.end();
    }
  });

  it('the account cannot log in without TLS and a client certificate', async () => {
    const err = await createConnection({ ...root, user, password }).then(
      async (c) => {
        await c.end();
        return undefined;
      },
      (e: unknown) => e as { code?: string },
    );
    expect(err?.code).toBe('ER_ACCESS_DENIED_ERROR');
  });

  // Each Kafka mechanism once; the first run also uses mutual TLS on top of SASL (the listener
  // checks a client certificate when one is given), two URLs for the Elasticsearch node (the
  // client spreads requests over both) and an API key instead of the account's password.
  const runs: [string, 'scram-sha-512' | 'scram-sha-256' | 'plain', 'api key' | 'password'][] = [
    ['sec1', 'scram-sha-512', 'api key'],
    ['sec2', 'scram-sha-256', 'password'],
    ['sec3', 'plain', 'password'],
  ];
  it.each(runs)(
    'project %s: SASL %s, Elasticsearch by %s: delivers file operations to Kafka and Elasticsearch, and shows no secret in logs or /status',
    async (project, mechanism, esAuth) => {
      const esUrl = new URL(secure.EPIPE_ES_URL!);
      const daemon = await startDaemon(project, {
        EPIPE_KAFKA_SASL_MECHANISM: mechanism,
        ...(project === 'sec1'
          ? {
              EPIPE_KAFKA_TLS_CERT_FILE: join(tlsDir, 'client.pem'),
              EPIPE_KAFKA_TLS_KEY_FILE: join(tlsDir, 'client.key'),
              EPIPE_ES_URL: `https://localhost:${esUrl.port},https://127.0.0.1:${esUrl.port}`,
            }
          : {}),
        ...(esAuth === 'api key'
          ? { EPIPE_ES_USERNAME: '', EPIPE_ES_PASSWORD_FILE: '', EPIPE_ES_API_KEY_FILE: apiKeyFile }
          : {}),
      });
      daemon.start();
      await daemon.waitReady();

      const dataDir = `/Projects/${project}/data`;
      const nn = new NameNode(pool);
      const ctx = { user: 'alice' };
      await nn.createProject(project, 'alice');
      await nn.mkdir(dataDir, ctx);
      for (let i = 0; i < 5; i++) await nn.create(`${dataDir}/f${i}`, ctx, { size: 10 });
      await nn.rename(`${dataDir}/f0`, `${dataDir}/renamed`, ctx);
      await nn.delete(`${dataDir}/f4`, ctx);
      await waitFor(
        'the log table to empty (every sink acknowledged)',
        async () => (await logRowsLeft(pool)) === 0,
      );

      const expected = [`${dataDir}/f1`, `${dataDir}/f3`, `${dataDir}/renamed`];
      // Kafka, read the way a subscriber would: SASL_SSL with SCRAM, trusting the stack's CA.
      const received: Delivery[] = [];
      const subscriber: Subscriber = createSubscriber({
        brokers: secure.EPIPE_KAFKA_BROKERS!.split(','),
        topic,
        groupId: `${topic}-check-${project}`,
        ssl: { ca: readFileSync(secure.EPIPE_KAFKA_TLS_CA_FILE!, 'utf8') },
        sasl: {
          mechanism,
          username: secure.EPIPE_KAFKA_SASL_USERNAME!,
          password: secrets()[1]!,
        },
      });
      try {
        await subscriber.start((d) => {
          received.push(d);
        });
        await waitFor('the events on the SASL_SSL listener', () =>
          Promise.resolve(expected.every((p) => received.some((d) => d.event.path === p))),
        );
      } finally {
        await subscriber.stop();
      }

      // Elasticsearch over TLS with the account's password.
      const es = esAsAccount();
      try {
        await es.indices.refresh({ index });
        const found = await es.search<{ path: string }>({
          index,
          size: 100,
          query: { prefix: { path: `${dataDir}/` } },
        });
        const docs = found.hits.hits.map((h) => h._source!.path).sort();
        expect(docs).toEqual([`${dataDir}/f1`, `${dataDir}/f2`, `${dataDir}/f3`, `${dataDir}/renamed`]);
      } finally {
        await es.close();
      }

      const status = await (await fetch(`http://127.0.0.1:${daemon.httpPort}/status`)).text();
      // Over TLS the binlog stream must look alive (heartbeats) for the whole run: no restart.
      expect(JSON.parse(status)).toMatchObject({ restarts: 0, lastError: null });
      expect(await daemon.stop()).toBe(0);
      const log = readFileSync(daemon.logFile, 'utf8');
      expect(log).toMatch(/epipe starting/);
      for (const secret of secrets()) {
        expect(log).not.toContain(secret);
        expect(status).not.toContain(secret);
      }
      expect(errorLines(daemon.logFile)).toEqual([]);
    },
  );

  const wrong = 'not-the-' + randomBytes(6).toString('hex');
  const refusals: [string, () => Record<string, string>, RegExp][] = [
    [
      'a wrong MariaDB password',
      () => ({ EPIPE_MYSQL_PASSWORD_FILE: writeSecret('wrong-mysql', wrong) }),
      /^mariadb: .*Access denied for user/,
    ],
    [
      'an untrusted MariaDB certificate',
      () => ({ EPIPE_MYSQL_TLS_CA_FILE: join(tlsDir, 'untrusted-ca.pem') }),
      /^mariadb: .*TLS handshake failed: the server certificate/,
    ],
    [
      'a MariaDB client certificate of an untrusted CA',
      () => ({
        EPIPE_MYSQL_TLS_CERT_FILE: join(tlsDir, 'untrusted-client.pem'),
        EPIPE_MYSQL_TLS_KEY_FILE: join(tlsDir, 'untrusted-client.key'),
      }),
      /^mariadb: .*TLS handshake failed: the server refused the client certificate/,
    ],
    [
      'a wrong Kafka SASL password',
      () => ({ EPIPE_KAFKA_SASL_PASSWORD_FILE: writeSecret('wrong-kafka', wrong) }),
      /^kafka: starting the kafka sink \(brokers [^)]+\): SASL authentication failed/,
    ],
    [
      'an untrusted Kafka certificate',
      () => ({ EPIPE_KAFKA_TLS_CA_FILE: join(tlsDir, 'untrusted-ca.pem') }),
      /^kafka: starting the kafka sink \(brokers [^)]+\): TLS handshake failed: the server certificate/,
    ],
    [
      'a Kafka client certificate of an untrusted CA',
      () => ({
        EPIPE_KAFKA_TLS_CERT_FILE: join(tlsDir, 'untrusted-client.pem'),
        EPIPE_KAFKA_TLS_KEY_FILE: join(tlsDir, 'untrusted-client.key'),
      }),
      /^kafka: starting the kafka sink \(brokers [^)]+\): TLS handshake failed: the server refused the client certificate/,
    ],
    [
      'a wrong Elasticsearch password',
      () => ({ EPIPE_ES_PASSWORD_FILE: writeSecret('wrong-es', wrong) }),
      /^elasticsearch: .*credentials refused \(401/,
    ],
    [
      'a wrong Elasticsearch API key',
      () => ({
        EPIPE_ES_USERNAME: '',
        EPIPE_ES_PASSWORD_FILE: '',
        EPIPE_ES_API_KEY_FILE: writeSecret('wrong-es-key', Buffer.from(`x:${wrong}`).toString('base64')),
      }),
      /^elasticsearch: .*credentials refused \(401/,
    ],
    [
      'an untrusted Elasticsearch certificate',
      () => ({ EPIPE_ES_CA_FILE: join(tlsDir, 'untrusted-ca.pem') }),
      /^elasticsearch: .*TLS handshake failed: the server certificate/,
    ],
  ];

  function writeSecret(name: string, value: string): string {
    const file = join(dir, name);
    writeFileSync(file, value, { mode: 0o600 });
    return file;
  }

  it.each(refusals)(
    '%s: one error line naming the system and the reason, exit code 2',
    async (name, overrides, line) => {
      const daemon = await startDaemon(name.replace(/\W+/g, '-'), overrides());
      const code = await Promise.race([
        daemon.start().exited,
        new Promise<string>((r) => setTimeout(() => r('still running after 90 s'), 90_000).unref()),
      ]);
      expect(code).toBe(2);
      const errors = errorLines(daemon.logFile);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.msg).toMatch(line);
      expect(errors[0]!.msg).toMatch(/not retrying, exiting$/);
      const log = readFileSync(daemon.logFile, 'utf8');
      for (const secret of [...secrets(), wrong]) expect(log).not.toContain(secret);
    },
  );
});
