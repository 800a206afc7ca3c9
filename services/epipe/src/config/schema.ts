/**
 * Every configuration field, declared once: where it lives in the file, its environment
 * variable, type, default and meaning. `epipe config` prints this table.
 */
export type FieldType = 'string' | 'int' | 'bool' | 'list' | 'json';

export interface FieldSpec {
  path: string;
  env: string;
  type: FieldType;
  default: unknown;
  doc: string;
  min?: number;
  secret?: boolean;
  oneOf?: string[];
}

const MiB = 1024 * 1024;

export const FIELDS: FieldSpec[] = [
  // The metadata database.
  { path: 'mysql.host', env: 'EPIPE_MYSQL_HOST', type: 'string', default: '127.0.0.1', doc: 'MariaDB/MySQL host' },
  { path: 'mysql.port', env: 'EPIPE_MYSQL_PORT', type: 'int', default: 3306, min: 1, doc: 'MariaDB/MySQL port' },
  { path: 'mysql.user', env: 'EPIPE_MYSQL_USER', type: 'string', default: 'epipe', doc: 'Replication user' },
  {
    path: 'mysql.password',
    env: 'EPIPE_MYSQL_PASSWORD',
    type: 'string',
    default: '',
    secret: true,
    doc: 'Password of the replication user',
  },
  { path: 'mysql.database', env: 'EPIPE_MYSQL_DATABASE', type: 'string', default: 'hopsfs', doc: 'Metadata database' },
  { path: 'mysql.logTable', env: 'EPIPE_LOG_TABLE', type: 'string', default: 'fs_log', doc: 'Logging table' },
  {
    path: 'mysql.serverId',
    env: 'EPIPE_SERVER_ID',
    type: 'int',
    default: 0,
    min: 0,
    doc: 'Replica server id for the binlog dump (0 picks one from the process id)',
  },
  { path: 'mysql.poolSize', env: 'EPIPE_MYSQL_POOL', type: 'int', default: 8, min: 1, doc: 'Lookup/ack connections' },
  {
    path: 'mysql.connectTimeoutMs',
    env: 'EPIPE_MYSQL_CONNECT_TIMEOUT_MS',
    type: 'int',
    default: 10_000,
    min: 100,
    doc: 'Connect timeout',
  },
  // Source.
  { path: 'source.scanPageRows', env: 'EPIPE_SCAN_PAGE_ROWS', type: 'int', default: 5_000, min: 1, doc: 'Recovery scan page' },
  { path: 'source.chunkMaxRows', env: 'EPIPE_CHUNK_MAX_ROWS', type: 'int', default: 5_000, min: 1, doc: 'Rows per chunk of a big transaction' },
  { path: 'source.chunkMaxBytes', env: 'EPIPE_CHUNK_MAX_BYTES', type: 'int', default: 1 * MiB, min: 1024, doc: 'Bytes per chunk' },
  { path: 'source.queueMaxBytes', env: 'EPIPE_SOURCE_QUEUE_BYTES', type: 'int', default: 16 * MiB, min: 1024, doc: 'Source buffer before the binlog socket pauses' },
  { path: 'source.heartbeatMs', env: 'EPIPE_HEARTBEAT_MS', type: 'int', default: 10_000, min: 100, doc: 'Silent-disconnect detection interval' },
  // Epochs and memory.
  { path: 'epoch.maxMs', env: 'EPIPE_EPOCH_MS', type: 'int', default: 50, min: 1, doc: 'Epoch time budget' },
  { path: 'epoch.maxRows', env: 'EPIPE_EPOCH_ROWS', type: 'int', default: 5_000, min: 1, doc: 'Epoch size budget (rows)' },
  { path: 'epoch.maxBytes', env: 'EPIPE_EPOCH_BYTES', type: 'int', default: 4 * MiB, min: 1024, doc: 'Epoch size budget (bytes)' },
  { path: 'epoch.maxBatchRows', env: 'EPIPE_BATCH_ROWS', type: 'int', default: 20_000, min: 1, doc: 'Batch cut inside a giant transaction (rows)' },
  { path: 'epoch.maxBatchBytes', env: 'EPIPE_BATCH_BYTES', type: 'int', default: 8 * MiB, min: 1024, doc: 'Batch cut inside a giant transaction (bytes)' },
  { path: 'pipeline.maxInflightBytes', env: 'EPIPE_MAX_INFLIGHT_BYTES', type: 'int', default: 64 * MiB, min: 1024, doc: 'Memory bound for batches between source and ack; the source pauses beyond it' },
  { path: 'pipeline.shutdownTimeoutMs', env: 'EPIPE_SHUTDOWN_TIMEOUT_MS', type: 'int', default: 30_000, min: 100, doc: 'Drain time on SIGTERM' },
  // Enrichment and filters.
  { path: 'enrich.pathCacheSize', env: 'EPIPE_PATH_CACHE', type: 'int', default: 1_000_000, min: 16, doc: 'Inode edges cached' },
  { path: 'enrich.nameCacheSize', env: 'EPIPE_NAME_CACHE', type: 'int', default: 100_000, min: 16, doc: 'User/project/dataset names cached' },
  { path: 'enrich.contextCacheSize', env: 'EPIPE_CONTEXT_CACHE', type: 'int', default: 100_000, min: 16, doc: 'App contexts cached' },
  { path: 'filter.include', env: 'EPIPE_FILTER_INCLUDE', type: 'list', default: ['/**'], doc: 'Path globs to publish' },
  { path: 'filter.exclude', env: 'EPIPE_FILTER_EXCLUDE', type: 'list', default: [], doc: 'Path globs not to publish' },
  { path: 'filter.operations', env: 'EPIPE_FILTER_OPERATIONS', type: 'list', default: [], doc: 'Operations to publish (empty: all)' },
  { path: 'filter.tagXattr', env: 'EPIPE_FILTER_TAG', type: 'string', default: '', doc: 'Xattr that switches logging for a subtree (empty: no tag rule)' },
  { path: 'filter.tagOffValues', env: 'EPIPE_FILTER_TAG_OFF', type: 'list', default: ['off', 'false', '0'], doc: 'Tag values that mean off' },
  { path: 'filter.tagDefault', env: 'EPIPE_FILTER_TAG_DEFAULT', type: 'string', default: 'on', oneOf: ['on', 'off'], doc: 'Logging for untagged subtrees' },
  // Kafka.
  { path: 'kafka.enabled', env: 'EPIPE_KAFKA_ENABLED', type: 'bool', default: true, doc: 'Publish to Kafka' },
  { path: 'kafka.brokers', env: 'EPIPE_KAFKA_BROKERS', type: 'list', default: ['127.0.0.1:9092'], doc: 'Bootstrap brokers' },
  { path: 'kafka.clientId', env: 'EPIPE_KAFKA_CLIENT_ID', type: 'string', default: 'epipe', doc: 'Client id' },
  { path: 'kafka.topic', env: 'EPIPE_KAFKA_TOPIC', type: 'string', default: 'epipe.file-events', doc: 'File events topic' },
  { path: 'kafka.deadLetterTopic', env: 'EPIPE_KAFKA_DLQ_TOPIC', type: 'string', default: 'epipe.dead-letters', doc: 'Dead-letter topic' },
  { path: 'kafka.createTopics', env: 'EPIPE_KAFKA_CREATE_TOPICS', type: 'bool', default: true, doc: 'Create topics at start' },
  { path: 'kafka.partitions', env: 'EPIPE_KAFKA_PARTITIONS', type: 'int', default: 6, min: 1, doc: 'Partitions of created topics' },
  { path: 'kafka.replicationFactor', env: 'EPIPE_KAFKA_REPLICATION', type: 'int', default: 1, min: 1, doc: 'Replication of created topics' },
  { path: 'kafka.requestTimeoutMs', env: 'EPIPE_KAFKA_REQUEST_TIMEOUT_MS', type: 'int', default: 30_000, min: 100, doc: 'Request timeout' },
  { path: 'kafka.connectionTimeoutMs', env: 'EPIPE_KAFKA_CONNECT_TIMEOUT_MS', type: 'int', default: 5_000, min: 100, doc: 'Connect timeout' },
  { path: 'kafka.maxBatchBytes', env: 'EPIPE_KAFKA_MAX_BATCH_BYTES', type: 'int', default: 4 * MiB, min: 1024, doc: 'Largest produce request' },
  { path: 'kafka.ssl', env: 'EPIPE_KAFKA_SSL', type: 'bool', default: false, doc: 'TLS to the brokers' },
  { path: 'kafka.saslMechanism', env: 'EPIPE_KAFKA_SASL_MECHANISM', type: 'string', default: '', oneOf: ['', 'plain', 'scram-sha-256', 'scram-sha-512'], doc: 'SASL mechanism (empty: none)' },
  { path: 'kafka.saslUsername', env: 'EPIPE_KAFKA_SASL_USERNAME', type: 'string', default: '', doc: 'SASL user' },
  { path: 'kafka.saslPassword', env: 'EPIPE_KAFKA_SASL_PASSWORD', type: 'string', default: '', secret: true, doc: 'SASL password' },
  // Elasticsearch.
  { path: 'elastic.enabled', env: 'EPIPE_ES_ENABLED', type: 'bool', default: true, doc: 'Index in Elasticsearch' },
  { path: 'elastic.url', env: 'EPIPE_ES_URL', type: 'string', default: 'http://127.0.0.1:9200', doc: 'Elasticsearch URL' },
  { path: 'elastic.index', env: 'EPIPE_ES_INDEX', type: 'string', default: 'epipe-inodes', doc: 'Inode index' },
  { path: 'elastic.apiKey', env: 'EPIPE_ES_API_KEY', type: 'string', default: '', secret: true, doc: 'API key (empty: none)' },
  { path: 'elastic.username', env: 'EPIPE_ES_USERNAME', type: 'string', default: '', doc: 'Basic auth user' },
  { path: 'elastic.password', env: 'EPIPE_ES_PASSWORD', type: 'string', default: '', secret: true, doc: 'Basic auth password' },
  { path: 'elastic.caFingerprint', env: 'EPIPE_ES_CA_FINGERPRINT', type: 'string', default: '', doc: 'CA certificate fingerprint for TLS' },
  { path: 'elastic.requestTimeoutMs', env: 'EPIPE_ES_REQUEST_TIMEOUT_MS', type: 'int', default: 30_000, min: 100, doc: 'Request timeout' },
  { path: 'elastic.maxRetries', env: 'EPIPE_ES_MAX_RETRIES', type: 'int', default: 5, min: 0, doc: 'Retries per bulk' },
  { path: 'elastic.bulkMaxBytes', env: 'EPIPE_ES_BULK_BYTES', type: 'int', default: 5 * MiB, min: 1024, doc: 'Largest bulk request' },
  { path: 'elastic.bulkMaxDocs', env: 'EPIPE_ES_BULK_DOCS', type: 'int', default: 5_000, min: 1, doc: 'Most documents per bulk' },
  { path: 'elastic.concurrency', env: 'EPIPE_ES_CONCURRENCY', type: 'int', default: 2, min: 1, doc: 'Bulk requests in flight' },
  { path: 'elastic.refreshInterval', env: 'EPIPE_ES_REFRESH', type: 'string', default: '1s', doc: 'Index refresh interval' },
  { path: 'elastic.replicas', env: 'EPIPE_ES_REPLICAS', type: 'int', default: 0, min: 0, doc: 'Index replicas' },
  // Operations.
  { path: 'http.port', env: 'EPIPE_HTTP_PORT', type: 'int', default: 9464, min: 0, doc: 'Metrics and health port (0: random)' },
  { path: 'http.host', env: 'EPIPE_HTTP_HOST', type: 'string', default: '0.0.0.0', doc: 'Metrics and health bind address' },
  { path: 'log.level', env: 'EPIPE_LOG_LEVEL', type: 'string', default: 'info', oneOf: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], doc: 'Log level' },
  { path: 'leader.lockName', env: 'EPIPE_LOCK_NAME', type: 'string', default: '', doc: 'Leader lock name (empty: epipe:<database>)' },
  { path: 'leader.waitMs', env: 'EPIPE_LOCK_WAIT_MS', type: 'int', default: 5_000, min: 0, doc: 'How long one attempt to take the lock waits' },
];
