import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EpipeError, errorMessage, parseField } from '@epipe/core';
import { createFilter, filterConfig } from '@epipe/filter';
import { type EpipeConfig, FIELDS } from './schema';

export type { EpipeConfig };

const IDENTIFIER = /^[A-Za-z0-9_]+$/;

/** The provenance indices' prefix: the configured one, else the inode index's name + `_prov`. */
export function provenanceIndexPrefix(config: Pick<EpipeConfig, 'provenance' | 'elastic'>): string {
  return config.provenance.indexPrefix || `${config.elastic.index}_prov`;
}

/**
 * Defaults, then the secrets directory (secret fields only), then the JSON file, then the
 * environment, where a secret may be given as `<VAR>_FILE` instead. Any wrong value stops the
 * start with a message naming the field (its file path and its environment variable), never
 * showing a secret.
 */
export function loadConfig(
  options: { file?: string; env?: NodeJS.ProcessEnv; overrides?: object } = {},
): EpipeConfig {
  const env = options.env ?? process.env;
  const fromFile = options.file ? readJson(options.file) : {};
  const merged = mergeDeep(fromFile, options.overrides ?? {});
  rejectUnknown(merged, '');
  const out: Record<string, unknown> = {};
  let secretsDir = '';
  for (const field of FIELDS) {
    let value: unknown = field.default;
    if (field.secret && secretsDir) {
      const fromDir = readSecretFile(join(secretsDir, field.path), `${field.path} (secrets.dir)`, true);
      if (fromDir !== undefined) value = fromDir;
    }
    const inFile = getPath(merged, field.path);
    if (inFile !== undefined) value = parseField(field, inFile, `${field.path} (config file)`);
    const inEnv = env[field.env];
    if (inEnv !== undefined && inEnv !== '')
      value = parseField(field, inEnv, `${field.path} (env ${field.env})`);
    const fileEnv = `${field.env}_FILE`;
    const secretFile = field.secret ? env[fileEnv] : undefined;
    if (secretFile !== undefined && secretFile !== '') {
      if (inEnv !== undefined && inEnv !== '')
        throw new EpipeError(
          'CONFIG_INVALID',
          `config ${field.path}: set ${field.env} or ${fileEnv}, not both`,
        );
      value = readSecretFile(secretFile, `${field.path} (env ${fileEnv})`, false);
    }
    setPath(out, field.path, value);
    if (field.path === 'secrets.dir') secretsDir = value as string;
  }
  const config = out as unknown as EpipeConfig;
  validate(config);
  return config;
}

function validate(c: EpipeConfig): void {
  for (const [path, value] of [
    ['mysql.database', c.mysql.database],
    ['mysql.logTable', c.mysql.logTable],
  ] as const) {
    if (!IDENTIFIER.test(value))
      invalid(path, `must be a plain identifier (letters, digits, _), got ${JSON.stringify(value)}`);
  }
  if (!c.kafka.enabled && !c.elastic.enabled)
    invalid('kafka.enabled', 'at least one of kafka and elastic must be enabled');
  if (c.pipeline.maxInflightBytes < c.epoch.maxBatchBytes + c.source.chunkMaxBytes) {
    invalid(
      'pipeline.maxInflightBytes',
      `must be at least epoch.maxBatchBytes + source.chunkMaxBytes (${c.epoch.maxBatchBytes + c.source.chunkMaxBytes}), or a giant transaction could never be admitted`,
    );
  }
  if (c.leader.sessionTimeoutS * 1000 < 3 * c.leader.checkMs)
    invalid(
      'leader.sessionTimeoutS',
      `must be at least three lock checks long (leader.checkMs ${c.leader.checkMs}), or a live leader's lock session would time out between checks`,
    );
  if (c.kafka.saslMechanism && !c.kafka.saslUsername)
    invalid('kafka.saslUsername', 'is required with a SASL mechanism');
  if (c.elastic.url.length === 0) invalid('elastic.url', 'needs at least one URL');
  for (const url of c.elastic.url) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      invalid('elastic.url', `is not a URL: ${JSON.stringify(redactUrl(url))}`);
    }
    if (parsed.password) invalid('elastic.url', 'must not carry a password; use elastic.password');
  }
  validateTls(c.mysql.tls, 'mysql', c.mysql);
  validateTls(c.kafka.ssl, 'kafka', c.kafka, 'kafka.ssl');
  if (c.elastic.caFile) readable('elastic.caFile', c.elastic.caFile);
  // Bad rules fail here, once, with the field named: not in every pipeline lifetime's start-up,
  // which the supervisor would retry forever.
  try {
    createFilter(filterConfig(c.filter));
  } catch (err) {
    const message = errorMessage(err);
    const path = /^filter\.\w+/.exec(message)?.[0] ?? 'filter';
    invalid(path, message.slice(path.length).replace(/^:\s*/, ''));
  }
}

/** TLS files are read at start, so a wrong path fails here, naming the field, not at connect. */
function validateTls(
  enabled: boolean,
  prefix: 'mysql' | 'kafka',
  files: { tlsCaFile: string; tlsCertFile: string; tlsKeyFile: string },
  switchPath = `${prefix}.tls`,
): void {
  const given = (['tlsCaFile', 'tlsCertFile', 'tlsKeyFile'] as const).filter((k) => files[k]);
  if (!enabled && given.length > 0)
    invalid(`${prefix}.${given[0]!}`, `is set but ${switchPath} is false; set ${switchPath} to true`);
  if (Boolean(files.tlsCertFile) !== Boolean(files.tlsKeyFile))
    invalid(
      `${prefix}.${files.tlsCertFile ? 'tlsKeyFile' : 'tlsCertFile'}`,
      'is required with the other (a client certificate needs its key)',
    );
  for (const k of given) readable(`${prefix}.${k}`, files[k]);
}

function readable(path: string, file: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    invalid(
      path,
      `names a file that cannot be read: ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/**
 * A secret from a file (a mounted Secret, a Docker secret): the whole content, less one trailing
 * newline, which editors and `echo` add and no password means.
 */
function readSecretFile(file: string, where: string, optional: boolean): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (optional && code === 'ENOENT') return undefined;
    throw new EpipeError('CONFIG_INVALID', `config ${where}: cannot read ${file} (${code ?? 'error'})`);
  }
  return text.replace(/\r?\n$/, '');
}

function invalid(path: string, message: string): never {
  const field = FIELDS.find((f) => f.path === path);
  throw new EpipeError('CONFIG_INVALID', `config ${path}${field ? ` (env ${field.env})` : ''} ${message}`);
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EpipeError('CONFIG_INVALID', `config file ${file} cannot be read: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new EpipeError(
      'CONFIG_INVALID',
      `config file ${file} is not valid JSON: ${(err as Error).message}`,
    );
  }
}

const KNOWN = new Set(
  FIELDS.flatMap((f) => f.path.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'))),
);

function rejectUnknown(obj: Record<string, unknown>, prefix: string): void {
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!KNOWN.has(path)) throw new EpipeError('CONFIG_INVALID', `config ${path}: unknown field`);
    const isLeaf = FIELDS.some((f) => f.path === path);
    if (!isLeaf && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      rejectUnknown(value as Record<string, unknown>, path);
    }
  }
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    cur[part] ??= {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = value;
}

function mergeDeep(a: object, b: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null
        ? mergeDeep(prev, v as object)
        : v;
  }
  return out;
}

/** The effective configuration with secrets masked, for logs and `epipe config`. */
export function redactConfig(config: EpipeConfig): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  for (const f of FIELDS) if (f.secret && getPath(copy, f.path)) setPath(copy, f.path, '[redacted]');
  const elastic = copy.elastic as { url: string[] };
  elastic.url = elastic.url.map(redactUrl);
  return copy;
}

/** Every secret value of the configuration, for the log and status scrubber. */
export function secretValues(config: EpipeConfig): string[] {
  const values: string[] = [];
  for (const f of FIELDS) {
    const value = getPath(config, f.path);
    if (f.secret && typeof value === 'string' && value) values.push(value);
  }
  return values;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '[redacted]';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//[redacted]@');
  }
}
