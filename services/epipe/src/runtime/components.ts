import { randomInt } from 'node:crypto';
import type { Logger, Metrics } from '@epipe/core';
import { type BatchEnricher, createEnricher, createSqlMetadataReader } from '@epipe/enrich';
import { createFilter } from '@epipe/filter';
import { type LogAcknowledger, createLogAcknowledger } from '@epipe/pipeline';
import {
  type ElasticSink,
  type ProvenanceIndex,
  createElasticSink,
  createProvenanceIndex,
} from '@epipe/sink-elastic';
import { type KafkaSink, createKafkaSink } from '@epipe/sink-kafka';
import { type LogSource, createLogSource, mysqlSslOptions } from '@epipe/source';
import { type Pool, createPool } from 'mysql2/promise';
import { type EpipeConfig, filterConfig, provenanceIndexPrefix } from '../config/load';
import { endPool, withQueryTimeout } from './db';
import { elasticAccess, kafkaTls, mysqlTls } from './tls';

/** Everything one pipeline lifetime uses. A restart builds a fresh set: fresh connections. */
export interface Components {
  pool: Pool;
  source: LogSource;
  enricher: BatchEnricher;
  acker: LogAcknowledger;
  kafka: KafkaSink | null;
  elastic: ElasticSink | null;
  /** The provenance indices (with provenance and Elasticsearch on). */
  provenanceIndex: ProvenanceIndex | null;
  close(): Promise<void>;
}

// Replica ids must be unique among the server's replicas. In containers every pid is 1, so an
// unset id is drawn at random once per process (2^31 values: collisions are negligible).
const RANDOM_SERVER_ID = 1_000_000 + randomInt(0, 2 ** 31 - 1_000_001);

export function serverId(config: EpipeConfig): number {
  return config.mysql.serverId || RANDOM_SERVER_ID;
}

export function createComponents(
  config: EpipeConfig,
  deps: { logger: Logger; metrics: Metrics },
): Components {
  const { mysql } = config;
  const tls = mysqlTls(mysql);
  const rawPool = createPool({
    host: mysql.host,
    port: mysql.port,
    user: mysql.user,
    password: mysql.password,
    database: mysql.database,
    connectionLimit: mysql.poolSize,
    connectTimeout: mysql.connectTimeoutMs,
    supportBigNumbers: true,
    enableKeepAlive: true,
    ...(tls ? { ssl: mysqlSslOptions(tls) } : {}),
  });
  const pool = withQueryTimeout(rawPool, mysql.queryTimeoutMs);
  const source = createLogSource(
    {
      host: mysql.host,
      port: mysql.port,
      user: mysql.user,
      password: mysql.password,
      database: mysql.database,
      logTable: mysql.logTable,
      serverId: serverId(config),
      scanPageRows: config.source.scanPageRows,
      chunkMaxRows: config.source.chunkMaxRows,
      chunkMaxBytes: config.source.chunkMaxBytes,
      queueMaxBytes: config.source.queueMaxBytes,
      heartbeatMs: config.source.heartbeatMs,
      connectTimeoutMs: mysql.connectTimeoutMs,
      queryTimeoutMs: mysql.queryTimeoutMs,
      ...(tls ? { tls } : {}),
    },
    { logger: deps.logger.child({ stage: 'source' }), metrics: deps.metrics },
  );
  const filter = createFilter(filterConfig(config));
  const enricher = createEnricher(
    {
      sourceName: mysql.database,
      cacheMaxBytes: config.enrich.cacheMaxBytes,
      orphanWaitMs: config.enrich.orphanWaitMs,
      maxXattrBytes: config.enrich.maxXattrBytes,
    },
    {
      reader: createSqlMetadataReader({ logTable: mysql.logTable }, { pool }),
      filter,
      logger: deps.logger.child({ stage: 'enrich' }),
      metrics: deps.metrics,
    },
  );
  const acker = createLogAcknowledger({ logTable: mysql.logTable }, { pool });
  const k = config.kafka;
  const kafka = k.enabled
    ? createKafkaSink(
        {
          brokers: k.brokers,
          clientId: k.clientId,
          topic: k.topic,
          deadLetterTopic: k.deadLetterTopic,
          source: mysql.database,
          createTopics: k.createTopics,
          partitions: k.partitions,
          replicationFactor: k.replicationFactor,
          requestTimeoutMs: k.requestTimeoutMs,
          connectionTimeoutMs: k.connectionTimeoutMs,
          maxBatchBytes: k.maxBatchBytes,
          ...(config.provenance.enabled
            ? { provenanceTopic: config.provenance.topic, topicPerProject: config.provenance.topicPerProject }
            : {}),
          ssl: kafkaTls(k),
          ...(k.saslMechanism
            ? { sasl: { mechanism: k.saslMechanism, username: k.saslUsername, password: k.saslPassword } }
            : {}),
        },
        { logger: deps.logger.child({ stage: 'kafka' }) },
      )
    : null;
  const e = config.elastic;
  const elastic = e.enabled
    ? createElasticSink(
        {
          ...elasticAccess(e),
          index: e.index,
          requestTimeoutMs: e.requestTimeoutMs,
          maxRetries: e.maxRetries,
          bulkMaxBytes: e.bulkMaxBytes,
          bulkMaxDocs: e.bulkMaxDocs,
          concurrency: e.concurrency,
          refreshInterval: e.refreshInterval,
          replicas: e.replicas,
        },
        { logger: deps.logger.child({ stage: 'elasticsearch' }) },
      )
    : null;
  const provenanceIndex =
    e.enabled && config.provenance.enabled
      ? createProvenanceIndex(
          {
            ...elasticAccess(e),
            indexPrefix: provenanceIndexPrefix(config),
            // The roots of artifacts first seen through a read are read from the inode index.
            inodeIndex: e.index,
            requestTimeoutMs: e.requestTimeoutMs,
            maxRetries: e.maxRetries,
            refreshInterval: e.refreshInterval,
            replicas: e.replicas,
          },
          { logger: deps.logger.child({ stage: 'provenance-index' }) },
        )
      : null;
  return {
    pool,
    source,
    enricher,
    acker,
    kafka,
    elastic,
    provenanceIndex,
    async close() {
      await Promise.allSettled([kafka?.close(), elastic?.close(), provenanceIndex?.close()]);
      await endPool(rawPool, mysql.queryTimeoutMs);
    },
  };
}
