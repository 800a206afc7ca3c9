import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../version';
import { unknownVariables } from './env';
import { COMMANDS, dispatch } from './index';
import { memoryIo } from './io';
import { formatStatus, type StatusReport } from './status';

function configFile(content: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'epipe-cli-'));
  const path = join(dir, 'epipe.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('epipe CLI', () => {
  it('--help and -h print the usage with every command and exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const io = memoryIo();
      expect(await dispatch([flag], io)).toBe(0);
      for (const name of Object.keys(COMMANDS)) expect(io.stdout).toContain(`  ${name} `);
      expect(io.stderr).toBe('');
    }
  });

  it('--version prints the version and exits 0', async () => {
    const io = memoryIo();
    expect(await dispatch(['--version'], io)).toBe(0);
    expect(io.stdout).toBe(`epipe ${VERSION}\n`);
  });

  it('no command, an unknown command or an unknown global flag exit 2 with the usage', async () => {
    for (const argv of [
      [],
      ['launch'],
      ['constructor'],
      ['--verbose', 'run'],
      ['--config', 'x.json', 'run'],
    ]) {
      const io = memoryIo();
      expect([argv, await dispatch(argv, io)]).toEqual([argv, 2]);
      expect(io.stderr).toContain('usage: epipe');
      expect(io.stdout).toBe('');
    }
  });

  it('reads --config=x and --config x alike (and -c x)', async () => {
    const file = configFile({ http: { port: 1234 }, kafka: { topic: 'from-file' } });
    for (const args of [[`--config=${file}`], ['--config', file], ['-c', file]]) {
      const io = memoryIo();
      expect(await dispatch(['config', ...args], io)).toBe(0);
      const printed = JSON.parse(io.stdout) as { http: { port: number }; kafka: { topic: string } };
      expect(printed.http.port).toBe(1234);
      expect(printed.kafka.topic).toBe('from-file');
    }
  });

  it('takes the file from EPIPE_CONFIG when --config is absent', async () => {
    const io = memoryIo({ EPIPE_CONFIG: configFile({ http: { port: 4321 } }) });
    expect(await dispatch(['config'], io)).toBe(0);
    expect((JSON.parse(io.stdout) as { http: { port: number } }).http.port).toBe(4321);
  });

  it('an unknown flag, a missing value or an extra argument is a usage error (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['config', '--bogus'], /Unknown option '--bogus'/],
      [['config', '--config'], /--config.*argument missing/],
      [['status', '--url'], /--url.*argument missing/],
      [['fields', 'extra'], /unexpected argument "extra"/],
      [['run', '--json'], /Unknown option '--json'/],
    ];
    for (const [argv, message] of cases) {
      const io = memoryIo();
      expect([argv, await dispatch(argv, io)]).toEqual([argv, 2]);
      expect(io.stderr).toMatch(message);
      expect(io.stderr).toContain(`usage: epipe ${argv[0]}`);
    }
  });

  it('a command --help prints its usage and exits 0 without running it', async () => {
    for (const name of Object.keys(COMMANDS)) {
      const io = memoryIo();
      expect(await dispatch([name, '--help'], io)).toBe(0);
      expect(io.stdout).toContain(`usage: epipe ${name}`);
    }
  });

  it('a wrong configuration value exits 2 naming the field', async () => {
    const io = memoryIo({ EPIPE_MYSQL_PORT: 'abc' });
    expect(await dispatch(['config'], io)).toBe(2);
    expect(io.stderr).toMatch(/mysql\.port \(env EPIPE_MYSQL_PORT\): expected an integer/);
  });

  it('warns about EPIPE_* variables no field declares, with the likely intended one', async () => {
    // A secret's _FILE variable is known (and read): it must not be warned about.
    const passwordFile = join(mkdtempSync(join(tmpdir(), 'epipe-cli-')), 'password');
    writeFileSync(passwordFile, 'not-a-real-password\n');
    const io = memoryIo({
      EPIPE_KAFKA_BROKER: 'k:9092',
      EPIPE_STACK_DIR: '/x',
      EPIPE_MYSQL_PASSWORD_FILE: passwordFile,
    });
    expect(await dispatch(['config'], io)).toBe(0);
    expect(io.stderr).toBe(
      'epipe: warning: EPIPE_KAFKA_BROKER is not a setting epipe knows (did you mean EPIPE_KAFKA_BROKERS?); it is ignored\n',
    );
    expect(unknownVariables({ EPIPE_WHATEVER_ELSE: '1', PATH: '/bin' })).toEqual([
      { name: 'EPIPE_WHATEVER_ELSE', suggestion: undefined },
    ]);
  });

  it('status exits 1 and says so when neither the database nor the daemon answers', async () => {
    const io = memoryIo({ EPIPE_MYSQL_PORT: '1', EPIPE_MYSQL_CONNECT_TIMEOUT_MS: '1000' });
    expect(await dispatch(['status', '--json', '--url', 'http://127.0.0.1:1'], io)).toBe(1);
    const report = JSON.parse(io.stdout) as StatusReport;
    expect(report.database.reachable).toBe(false);
    expect(report.daemon).toMatchObject({ url: 'http://127.0.0.1:1', reachable: false });
  });

  it('status connects to the database with the TLS settings the daemon uses', async () => {
    // A readable path that is no PEM file: only a command that loads the TLS files stumbles on it
    // (one that ignores mysql.tls would just find nobody listening on port 1).
    const notAFile = mkdtempSync(join(tmpdir(), 'epipe-ca-'));
    const io = memoryIo({
      EPIPE_MYSQL_PORT: '1',
      EPIPE_MYSQL_CONNECT_TIMEOUT_MS: '1000',
      EPIPE_MYSQL_TLS: 'true',
      EPIPE_MYSQL_TLS_CA_FILE: notAFile,
    });
    expect(await dispatch(['status', '--json', '--url', 'http://127.0.0.1:1'], io)).toBe(1);
    const report = JSON.parse(io.stdout) as StatusReport;
    expect(report.database).toMatchObject({ reachable: false });
    expect(report.database.error).toMatch(/EISDIR/);
  });
});

describe('formatStatus', () => {
  const config = { mysql: { database: 'hopsfs', host: 'db', port: 3306 } } as Parameters<
    typeof formatStatus
  >[1];

  it('shows leader, position, backlog, lag, sinks and the last error', () => {
    const text = formatStatus(
      {
        database: {
          reachable: true,
          lockHolder: 42,
          rowsPending: 120,
          oldestRowAgeSeconds: 3.25,
          serverBinlog: 'bin.000012:9000',
        },
        daemon: {
          url: 'http://127.0.0.1:9464',
          reachable: true,
          phase: 'running',
          leader: true,
          ready: false,
          stuck: null,
          binlog: { read: 'bin.000012:8000@0-1-7', acknowledged: 'bin.000012:7000@0-1-6' },
          lagSeconds: 0.8,
          sinks: { mysql: 'ok', kafka: 'failing', elasticsearch: 'ok' },
          restarts: 2,
          lastError: 'Kafka: broker unreachable',
        },
      },
      config,
    );
    expect(text).toContain('leader lock    held by connection 42');
    expect(text).toContain('log table      120 rows waiting, oldest 3.3 s old');
    expect(text).toContain('state          leader, running, not ready');
    expect(text).toContain('binlog read    bin.000012:8000@0-1-7');
    expect(text).toContain('lag            newest acknowledged commit 0.8 s ago');
    expect(text).toContain('sinks          mysql ok, kafka failing, elasticsearch ok');
    expect(text).toContain('last error     Kafka: broker unreachable');
  });

  it('says when nobody leads and when the daemon does not answer', () => {
    const text = formatStatus(
      {
        database: {
          reachable: true,
          lockHolder: null,
          rowsPending: 0,
          oldestRowAgeSeconds: 0,
          serverBinlog: null,
        },
        daemon: { url: 'http://x:9464', reachable: false, error: 'fetch failed' },
      },
      config,
    );
    expect(text).toContain('free: no instance leads');
    expect(text).toContain('unreachable: fetch failed');
  });
});
