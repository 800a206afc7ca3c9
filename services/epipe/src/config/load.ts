import { readFileSync } from 'node:fs';
import { EpipeError, type OperationName, errorMessage } from '@epipe/core';
import { type FilterConfig, createFilter } from '@epipe/filter';
import { FIELDS, type FieldSpec } from './schema';

export interface EpipeConfig {
  mysql: {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    logTable: string;
    serverId: number;
    poolSize: number;
    connectTimeoutMs: number;
    queryTimeoutMs: number;
  };
  source: {
    scanPageRows: number;
    chunkMaxRows: number;
    chunkMaxBytes: number;
    queueMaxBytes: number;
    heartbeatMs: number;
  };
  epoch: { maxMs: number; maxRows: number; maxBytes: number; maxBatchRows: number; maxBatchBytes: number };
  pipeline: { maxInflightBytes: number; shutdownTimeoutMs: number; missedRowAgeMs: number };
  enrich: { cacheMaxBytes: number; orphanWaitMs: number; maxXattrBytes: number };
  filter: {
    include: string[];
    exclude: string[];
    operations: string[];
    tagXattr: string;
    tagOffValues: string[];
    tagDefault: 'on' | 'off';
  };
  kafka: {
    enabled: boolean;
    brokers: string[];
    clientId: string;
    topic: string;
    deadLetterTopic: string;
    createTopics: boolean;
    partitions: number;
    replicationFactor: number;
    requestTimeoutMs: number;
    connectionTimeoutMs: number;
    maxBatchBytes: number;
    ssl: boolean;
    saslMechanism: '' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
    saslUsername: string;
    saslPassword: string;
  };
  elastic: {
    enabled: boolean;
    url: string;
    index: string;
    apiKey: string;
    username: string;
    password: string;
    caFingerprint: string;
    requestTimeoutMs: number;
    maxRetries: number;
    bulkMaxBytes: number;
    bulkMaxDocs: number;
    concurrency: number;
    refreshInterval: string;
    replicas: number;
  };
  http: { port: number; host: string };
  health: { stuckAfterMs: number; logTablePollMs: number };
  log: { level: string };
  leader: { lockName: string; waitMs: number; checkMs: number; sessionTimeoutS: number };
}

const IDENTIFIER = /^[A-Za-z0-9_]+$/;

/**
 * Defaults, then the JSON file, then the environment. Any wrong value stops the start with a
 * message naming the field (its file path and its environment variable).
 */
export function loadConfig(
  options: { file?: string; env?: NodeJS.ProcessEnv; overrides?: object } = {},
): EpipeConfig {
  const env = options.env ?? process.env;
  const fromFile = options.file ? readJson(options.file) : {};
  const merged = mergeDeep(fromFile, options.overrides ?? {});
  rejectUnknown(merged, '');
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) {
    let value: unknown = field.default;
    const inFile = getPath(merged, field.path);
    if (inFile !== undefined) value = coerce(field, inFile, `${field.path} (config file)`);
    const inEnv = env[field.env];
    if (inEnv !== undefined && inEnv !== '') value = coerce(field, inEnv, `${field.path} (env ${field.env})`);
    setPath(out, field.path, value);
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
  try {
    new URL(c.elastic.url);
  } catch {
    invalid('elastic.url', `is not a URL: ${JSON.stringify(c.elastic.url)}`);
  }
  // Bad rules fail here, once, with the field named: not in every pipeline lifetime's start-up,
  // which the supervisor would retry forever.
  try {
    createFilter(filterConfig(c));
  } catch (err) {
    const message = errorMessage(err);
    const path = /^filter\.\w+/.exec(message)?.[0] ?? 'filter';
    invalid(path, message.slice(path.length).replace(/^:\s*/, ''));
  }
}

/** The filter stage's rules, from the configuration. */
export function filterConfig(c: EpipeConfig): FilterConfig {
  return {
    include: c.filter.include,
    exclude: c.filter.exclude,
    operations: c.filter.operations.length > 0 ? (c.filter.operations as OperationName[]) : null,
    tag: c.filter.tagXattr
      ? { xattr: c.filter.tagXattr, offValues: c.filter.tagOffValues, default: c.filter.tagDefault }
      : null,
  };
}

function invalid(path: string, message: string): never {
  const field = FIELDS.find((f) => f.path === path);
  throw new EpipeError('CONFIG_INVALID', `config ${path}${field ? ` (env ${field.env})` : ''} ${message}`);
}

function coerce(field: FieldSpec, raw: unknown, where: string): unknown {
  const fail = (expected: string): never => {
    const shown = field.secret ? '[redacted]' : JSON.stringify(raw);
    throw new EpipeError('CONFIG_INVALID', `config ${where}: expected ${expected}, got ${shown}`);
  };
  switch (field.type) {
    case 'string': {
      if (typeof raw !== 'string') fail('a string');
      const s = raw as string;
      if (field.oneOf && !field.oneOf.includes(s))
        fail(`one of ${field.oneOf.map((v) => JSON.stringify(v)).join(', ')}`);
      return s;
    }
    case 'int': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) fail('an integer');
      if (field.min !== undefined && (n as number) < field.min) fail(`an integer >= ${field.min}`);
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return fail('true or false');
    }
    case 'list': {
      if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return raw;
      if (typeof raw === 'string') {
        return raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      }
      return fail('a list of strings (or a comma-separated string)');
    }
  }
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
  return copy;
}
