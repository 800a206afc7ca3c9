import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, provenanceIndexPrefix, redactConfig, secretValues } from './load';

function file(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'epipe-config-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadConfig', () => {
  it('uses defaults, then the file, then the environment', () => {
    const config = loadConfig({
      file: file({ mysql: { port: 3307, database: 'meta' }, kafka: { topic: 'from-file' } }),
      env: { EPIPE_KAFKA_TOPIC: 'from-env', EPIPE_FILTER_EXCLUDE: '/tmp/**, /scratch/**' },
    });
    expect(config.mysql.port).toBe(3307);
    expect(config.mysql.database).toBe('meta');
    expect(config.kafka.topic).toBe('from-env');
    expect(config.filter.exclude).toEqual(['/tmp/**', '/scratch/**']);
    expect(config.epoch.maxMs).toBe(50);
  });

  it('turns provenance on by default, with 10 s windows and 2 s of grace', () => {
    const config = loadConfig({ env: {} });
    expect(config.provenance).toEqual({
      enabled: true,
      windowMs: 10_000,
      graceMs: 2_000,
      maxDeferredRows: 100_000,
      maxOpenMs: 60_000,
      topic: 'epipe.provenance',
      topicPerProject: false,
      indexPrefix: '',
    });
    expect(provenanceIndexPrefix(config)).toBe(`${config.elastic.index}_prov`);
    const set = loadConfig({
      env: { EPIPE_PROVENANCE_WINDOW_MS: '500', EPIPE_PROVENANCE_INDEX_PREFIX: 'lineage' },
    });
    expect(set.provenance.windowMs).toBe(500);
    expect(provenanceIndexPrefix(set)).toBe('lineage');
  });

  it('names the field of a wrong value, in the file and in the environment', () => {
    expect(() => loadConfig({ file: file({ mysql: { port: 'abc' } }), env: {} })).toThrow(
      /mysql\.port \(config file\): expected an integer/,
    );
    expect(() => loadConfig({ env: { EPIPE_EPOCH_MS: '0' } })).toThrow(
      /epoch\.maxMs \(env EPIPE_EPOCH_MS\).*>= 1/,
    );
    expect(() => loadConfig({ env: { EPIPE_LOG_LEVEL: 'loud' } })).toThrow(/log\.level.*one of/);
    expect(() => loadConfig({ env: { EPIPE_MYSQL_DATABASE: 'x; drop' } })).toThrow(/mysql\.database/);
    expect(() => loadConfig({ env: { EPIPE_ES_URL: 'not a url' } })).toThrow(/elastic\.url/);
    expect(() => loadConfig({ file: file({ elastic: { refreshInterval: '-1' } }), env: {} })).toThrow(
      /elastic\.refreshInterval \(config file\): expected a refresh interval/,
    );
    expect(loadConfig({ env: { EPIPE_ES_REFRESH: '2m' } }).elastic.refreshInterval).toBe('2m');
  });

  it('refuses bad filter rules when the configuration loads, naming the field', () => {
    expect(() => loadConfig({ env: { EPIPE_FILTER_INCLUDE: 'Projects/**' } })).toThrow(
      /config filter\.include \(env EPIPE_FILTER_INCLUDE\) \[0\]: path glob must be absolute/,
    );
    expect(() => loadConfig({ file: file({ filter: { exclude: ['/ok/**', 'tmp'] } }), env: {} })).toThrow(
      /config filter\.exclude .*\[1\]: path glob must be absolute: "tmp"/,
    );
    expect(() => loadConfig({ env: { EPIPE_FILTER_TAGS: 'epipe.log=off:off, oops' } })).toThrow(
      /config filter\.tags \(env EPIPE_FILTER_TAGS\) \[1\]: expected xattr=value:on\|off\|debug/,
    );
    expect(loadConfig({ env: { EPIPE_FILTER_TAGS: 'epipe.log=debug:debug' } }).filter.tags).toEqual([
      'epipe.log=debug:debug',
    ]);
    expect(() => loadConfig({ env: { EPIPE_FILTER_OPERATIONS: 'CREATE,EXPLODE' } })).toThrow(
      /config filter\.operations .*unknown operation "EXPLODE"/,
    );
  });

  it('refuses unknown fields and bad JSON', () => {
    expect(() => loadConfig({ file: file({ mysql: { prot: 1 } }), env: {} })).toThrow(
      /mysql\.prot: unknown field/,
    );
    expect(() => loadConfig({ file: file('{ nope'), env: {} })).toThrow(/not valid JSON/);
  });

  it('refuses a memory bound too small for one batch', () => {
    expect(() => loadConfig({ env: { EPIPE_MAX_INFLIGHT_BYTES: '4096' } })).toThrow(
      /pipeline\.maxInflightBytes/,
    );
  });

  it('never shows secrets, not even in errors', () => {
    const config = loadConfig({ env: { EPIPE_MYSQL_PASSWORD: 's3cret', EPIPE_ES_API_KEY: 'k3y' } });
    expect(JSON.stringify(redactConfig(config))).not.toMatch(/s3cret|k3y/);
    expect(() => loadConfig({ file: file({ mysql: { password: 42 } }), env: {} })).toThrow(/\[redacted\]/);
  });
});

describe('secrets and TLS settings', () => {
  const dir = (files: Record<string, string>): string => {
    const d = mkdtempSync(join(tmpdir(), 'epipe-secrets-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), content);
    return d;
  };

  it('reads a secret from <VAR>_FILE, less one trailing newline', () => {
    const d = dir({ pw: 'from-file-pw\n', key: 'api-key-value' });
    const config = loadConfig({
      env: { EPIPE_MYSQL_PASSWORD_FILE: join(d, 'pw'), EPIPE_ES_API_KEY_FILE: join(d, 'key') },
    });
    expect(config.mysql.password).toBe('from-file-pw');
    expect(config.elastic.apiKey).toBe('api-key-value');
  });

  it('reads secrets from secrets.dir by field path; the environment still wins', () => {
    const d = dir({ 'mysql.password': 'dir-pw\n', 'kafka.saslPassword': 'dir-sasl' });
    const config = loadConfig({ env: { EPIPE_SECRETS_DIR: d, EPIPE_KAFKA_SASL_PASSWORD: 'env-sasl' } });
    expect(config.mysql.password).toBe('dir-pw');
    expect(config.kafka.saslPassword).toBe('env-sasl');
    expect(config.elastic.password).toBe('');
  });

  it('only secret fields come from files', () => {
    const d = dir({ 'mysql.user': 'intruder' });
    expect(loadConfig({ env: { EPIPE_SECRETS_DIR: d } }).mysql.user).toBe('epipe');
    expect(loadConfig({ env: { EPIPE_MYSQL_USER_FILE: join(d, 'mysql.user') } }).mysql.user).toBe('epipe');
  });

  it('refuses a secret given twice or a file that cannot be read, naming the field but not the value', () => {
    const d = dir({ pw: 'twice-pw' });
    expect(() =>
      loadConfig({ env: { EPIPE_MYSQL_PASSWORD: 'x', EPIPE_MYSQL_PASSWORD_FILE: join(d, 'pw') } }),
    ).toThrow(/mysql\.password: set EPIPE_MYSQL_PASSWORD or EPIPE_MYSQL_PASSWORD_FILE, not both/);
    expect(() => loadConfig({ env: { EPIPE_ES_PASSWORD_FILE: join(d, 'missing') } })).toThrow(
      /elastic\.password \(env EPIPE_ES_PASSWORD_FILE\): cannot read .*missing \(ENOENT\)/,
    );
  });

  it('checks TLS files at start and names the field', () => {
    const d = dir({ 'ca.pem': 'ca', 'cert.pem': 'cert', 'key.pem': 'key' });
    expect(() => loadConfig({ env: { EPIPE_MYSQL_TLS_CA_FILE: join(d, 'ca.pem') } })).toThrow(
      /mysql\.tlsCaFile .* is set but mysql\.tls is false/,
    );
    expect(() =>
      loadConfig({ env: { EPIPE_KAFKA_SSL: 'true', EPIPE_KAFKA_TLS_CA_FILE: join(d, 'nope.pem') } }),
    ).toThrow(/kafka\.tlsCaFile .*cannot be read.*ENOENT/);
    expect(() =>
      loadConfig({ env: { EPIPE_MYSQL_TLS: 'true', EPIPE_MYSQL_TLS_CERT_FILE: join(d, 'cert.pem') } }),
    ).toThrow(/mysql\.tlsKeyFile .*is required/);
    const config = loadConfig({
      env: {
        EPIPE_MYSQL_TLS: 'true',
        EPIPE_MYSQL_TLS_CA_FILE: join(d, 'ca.pem'),
        EPIPE_MYSQL_TLS_CERT_FILE: join(d, 'cert.pem'),
        EPIPE_MYSQL_TLS_KEY_FILE: join(d, 'key.pem'),
        EPIPE_ES_CA_FILE: join(d, 'ca.pem'),
      },
    });
    expect(config.mysql.tlsVerifyIdentity).toBe(true);
    expect(config.elastic.caFile).toBe(join(d, 'ca.pem'));
  });

  it('takes several Elasticsearch nodes and refuses a password inside a URL without showing it', () => {
    const config = loadConfig({ env: { EPIPE_ES_URL: 'https://es-1:9200, https://es-2:9200' } });
    expect(config.elastic.url).toEqual(['https://es-1:9200', 'https://es-2:9200']);
    expect(loadConfig({ file: file({ elastic: { url: 'http://one:9200' } }), env: {} }).elastic.url).toEqual([
      'http://one:9200',
    ]);
    let message = '';
    try {
      loadConfig({ env: { EPIPE_ES_URL: 'https://u:hunter22@es-1:9200' } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/elastic\.url .*must not carry a password/);
    expect(message).not.toContain('hunter22');
  });

  it('lists every secret value for the scrubber, and redactConfig shows none of them', () => {
    const d = dir({ 'elastic.password': 'es-basic-pw' });
    const config = loadConfig({
      env: { EPIPE_SECRETS_DIR: d, EPIPE_MYSQL_PASSWORD: 'db-pw-1', EPIPE_KAFKA_SASL_PASSWORD: 'sasl-pw-1' },
    });
    expect(secretValues(config).sort()).toEqual(['db-pw-1', 'es-basic-pw', 'sasl-pw-1']);
    const shown = JSON.stringify(redactConfig(config));
    for (const secret of secretValues(config)) expect(shown).not.toContain(secret);
  });
});
