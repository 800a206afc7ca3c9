/**
 * The configuration's schema: every stage's declared fields (each library's `config.ts`) plus the
 * service's own, placed in the file's sections. Nothing here repeats a library's field: the
 * loader, `epipe fields`, `epipe config`, the EpipeConfig type and the components all derive from
 * SECTIONS.
 */
import { type FieldDecl, type FieldDecls, type FieldValues, declareFields } from '@epipe/core';
import { ENRICH_FIELDS } from '@epipe/enrich';
import { EPOCH_FIELDS } from '@epipe/epoch';
import { FILTER_FIELDS } from '@epipe/filter';
import { PIPELINE_FIELDS, PROVENANCE_WINDOW_FIELDS } from '@epipe/pipeline';
import { ELASTIC_ACCESS_FIELDS, ELASTIC_SINK_FIELDS } from '@epipe/sink-elastic';
import { KAFKA_SASL_FIELDS, KAFKA_SINK_FIELDS } from '@epipe/sink-kafka';
import { MYSQL_CONNECTION_FIELDS, SOURCE_FIELDS } from '@epipe/source';

export type { FieldType } from '@epipe/core';

/** A declared field where it lives in the file: `<section>.<name>`. */
export interface FieldSpec extends FieldDecl {
  path: string;
}

// The service's own fields: how it connects (TLS files, the pool), what it turns on, and its
// operations (HTTP, health, leader lock, log).
const SECRETS = declareFields({
  dir: {
    type: 'string',
    env: 'EPIPE_SECRETS_DIR',
    default: '',
    doc: 'Directory of secret files named after their field (e.g. mysql.password), such as a mounted Secret',
  },
});

const MYSQL_SERVICE = declareFields({
  poolSize: { type: 'int', env: 'EPIPE_MYSQL_POOL', default: 8, min: 1, doc: 'Lookup/ack connections' },
  tls: {
    type: 'bool',
    env: 'EPIPE_MYSQL_TLS',
    default: false,
    doc: 'TLS to MariaDB for the binlog, pool and lock connections',
  },
  tlsCaFile: {
    type: 'string',
    env: 'EPIPE_MYSQL_TLS_CA_FILE',
    default: '',
    doc: 'PEM file of the CA(s) to trust (empty: the system CAs)',
  },
  tlsCertFile: {
    type: 'string',
    env: 'EPIPE_MYSQL_TLS_CERT_FILE',
    default: '',
    doc: 'PEM client certificate, for accounts that REQUIRE X509 (empty: none)',
  },
  tlsKeyFile: {
    type: 'string',
    env: 'EPIPE_MYSQL_TLS_KEY_FILE',
    default: '',
    doc: 'PEM private key of the client certificate',
  },
  tlsVerifyIdentity: {
    type: 'bool',
    env: 'EPIPE_MYSQL_TLS_VERIFY_IDENTITY',
    default: true,
    doc: 'Check that the server certificate names mysql.host (the CA is always checked)',
  },
});

const KAFKA_SWITCH = declareFields({
  enabled: { type: 'bool', env: 'EPIPE_KAFKA_ENABLED', default: true, doc: 'Publish to Kafka' },
});

const KAFKA_TLS = declareFields({
  ssl: { type: 'bool', env: 'EPIPE_KAFKA_SSL', default: false, doc: 'TLS to the brokers' },
  tlsCaFile: {
    type: 'string',
    env: 'EPIPE_KAFKA_TLS_CA_FILE',
    default: '',
    doc: 'PEM file of the CA(s) to trust with kafka.ssl (empty: the system CAs)',
  },
  tlsCertFile: {
    type: 'string',
    env: 'EPIPE_KAFKA_TLS_CERT_FILE',
    default: '',
    doc: 'PEM client certificate for mutual TLS (empty: none)',
  },
  tlsKeyFile: {
    type: 'string',
    env: 'EPIPE_KAFKA_TLS_KEY_FILE',
    default: '',
    doc: 'PEM private key of the client certificate',
  },
});

const ELASTIC_SWITCH = declareFields({
  enabled: { type: 'bool', env: 'EPIPE_ES_ENABLED', default: true, doc: 'Index in Elasticsearch' },
});

const ELASTIC_TLS = declareFields({
  caFile: {
    type: 'string',
    env: 'EPIPE_ES_CA_FILE',
    default: '',
    doc: 'PEM file of the CA(s) to trust for https nodes (empty: the system CAs)',
  },
});

const PROVENANCE_SWITCH = declareFields({
  enabled: {
    type: 'bool',
    env: 'EPIPE_PROVENANCE_ENABLED',
    default: true,
    doc: 'Coalesce file operations into artifact operations and lineage (needs Kafka or Elasticsearch on)',
  },
});

const PROVENANCE_OUTPUTS = declareFields({
  topic: {
    type: 'string',
    env: 'EPIPE_PROVENANCE_TOPIC',
    default: 'epipe.provenance',
    doc: 'Kafka topic of provenance events (keyed by artifact id)',
  },
  topicPerProject: {
    type: 'bool',
    env: 'EPIPE_PROVENANCE_TOPIC_PER_PROJECT',
    default: false,
    doc: "Publish each artifact's events to <topic>.<owning project> instead (created when first used)",
  },
  indexPrefix: {
    type: 'string',
    env: 'EPIPE_PROVENANCE_INDEX_PREFIX',
    default: '',
    doc: 'Provenance indices are <prefix>_artifacts, _operations and _edges (empty: <elastic.index>_prov)',
  },
});

const HTTP = declareFields({
  port: {
    type: 'int',
    env: 'EPIPE_HTTP_PORT',
    default: 9464,
    min: 0,
    doc: 'Metrics and health port (0: random)',
  },
  host: {
    type: 'string',
    env: 'EPIPE_HTTP_HOST',
    default: '0.0.0.0',
    doc: 'Metrics and health bind address',
  },
});

const HEALTH = declareFields({
  stuckAfterMs: {
    type: 'int',
    env: 'EPIPE_STUCK_AFTER_MS',
    default: 180_000,
    min: 1_000,
    doc: 'The leader reports not live (/healthz 503) when log rows wait and none was acknowledged, nor a failing call retried, for this long (keep it above the longest restart delay, 60 s)',
  },
  logTablePollMs: {
    type: 'int',
    env: 'EPIPE_LOG_TABLE_POLL_MS',
    default: 10_000,
    min: 100,
    doc: 'How often the leader counts the rows waiting in the log table (metrics, /status, stuck detection)',
  },
});

const LOG = declareFields({
  level: {
    type: 'string',
    env: 'EPIPE_LOG_LEVEL',
    default: 'info',
    oneOf: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    doc: 'Log level',
  },
});

const LEADER = declareFields({
  lockName: {
    type: 'string',
    env: 'EPIPE_LOCK_NAME',
    default: '',
    doc: 'Leader lock name (empty: epipe:<database>)',
  },
  waitMs: {
    type: 'int',
    env: 'EPIPE_LOCK_WAIT_MS',
    default: 5_000,
    min: 0,
    doc: 'How long one attempt to take the lock waits',
  },
  checkMs: {
    type: 'int',
    env: 'EPIPE_LOCK_CHECK_MS',
    default: 1_000,
    min: 100,
    doc: 'How often the leader asks the server whether it still holds the lock (a lost lock stops the pipeline at once)',
  },
  sessionTimeoutS: {
    type: 'int',
    env: 'EPIPE_LOCK_SESSION_TIMEOUT_S',
    default: 10,
    min: 2,
    doc: "wait_timeout of the lock's connection: a leader whose node vanished without closing it loses the lock after this long (the checks keep a live leader's connection busy)",
  },
});

/**
 * The file's sections, in the order `epipe fields` lists them. A section may gather several
 * owners' declarations (e.g. `kafka`: the service's switch, the sink's fields, SASL, TLS files);
 * a name declared twice in one section is refused below.
 */
export const SECTIONS = {
  secrets: SECRETS,
  mysql: { ...MYSQL_CONNECTION_FIELDS, ...MYSQL_SERVICE },
  source: SOURCE_FIELDS,
  epoch: EPOCH_FIELDS,
  pipeline: PIPELINE_FIELDS,
  enrich: ENRICH_FIELDS,
  filter: FILTER_FIELDS,
  kafka: { ...KAFKA_SWITCH, ...KAFKA_SINK_FIELDS, ...KAFKA_SASL_FIELDS, ...KAFKA_TLS },
  elastic: { ...ELASTIC_SWITCH, ...ELASTIC_ACCESS_FIELDS, ...ELASTIC_TLS, ...ELASTIC_SINK_FIELDS },
  provenance: { ...PROVENANCE_SWITCH, ...PROVENANCE_WINDOW_FIELDS, ...PROVENANCE_OUTPUTS },
  http: HTTP,
  health: HEALTH,
  log: LOG,
  leader: LEADER,
} as const satisfies Record<string, FieldDecls>;

/** The loaded configuration: each section's fields with their declared types. */
export type EpipeConfig = { -readonly [S in keyof typeof SECTIONS]: FieldValues<(typeof SECTIONS)[S]> };

/** Every field, flat, with its path in the file. */
export const FIELDS: FieldSpec[] = sectionFields(SECTIONS, [
  [MYSQL_CONNECTION_FIELDS, MYSQL_SERVICE],
  [KAFKA_SWITCH, KAFKA_SINK_FIELDS, KAFKA_SASL_FIELDS, KAFKA_TLS],
  [ELASTIC_SWITCH, ELASTIC_ACCESS_FIELDS, ELASTIC_TLS, ELASTIC_SINK_FIELDS],
  [PROVENANCE_SWITCH, PROVENANCE_WINDOW_FIELDS, PROVENANCE_OUTPUTS],
]);

/**
 * Flattens the sections; `parts` are the declarations merged into one section, checked for a
 * name two owners both declare (a spread would silently keep the last one).
 */
function sectionFields(sections: Record<string, FieldDecls>, parts: FieldDecls[][]): FieldSpec[] {
  for (const group of parts) {
    const seen = new Set<string>();
    for (const name of group.flatMap((decls) => Object.keys(decls))) {
      if (seen.has(name)) throw new Error(`configuration field ${name} is declared twice in one section`);
      seen.add(name);
    }
  }
  const fields = Object.entries(sections).flatMap(([section, decls]) =>
    Object.entries(decls).map(([name, decl]) => ({ path: `${section}.${name}`, ...decl })),
  );
  const envs = new Set<string>();
  for (const f of fields) {
    if (envs.has(f.env)) throw new Error(`environment variable ${f.env} is declared by two fields`);
    envs.add(f.env);
  }
  return fields;
}
