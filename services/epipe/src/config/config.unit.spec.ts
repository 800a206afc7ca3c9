import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactConfig } from './load';

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
  });

  it('refuses bad filter rules when the configuration loads, naming the field', () => {
    expect(() => loadConfig({ env: { EPIPE_FILTER_INCLUDE: 'Projects/**' } })).toThrow(
      /config filter\.include \(env EPIPE_FILTER_INCLUDE\) \[0\]: path glob must be absolute/,
    );
    expect(() => loadConfig({ file: file({ filter: { exclude: ['/ok/**', 'tmp'] } }), env: {} })).toThrow(
      /config filter\.exclude .*\[1\]: path glob must be absolute: "tmp"/,
    );
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
