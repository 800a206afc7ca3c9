import { randomInt } from 'node:crypto';
import { type Logger, type Metrics, pickFields } from '@epipe/core';
import { type BatchEnricher, createEnricher, createSqlMetadataReader } from '@epipe/enrich';
import { createFilter, filterConfig } from '@epipe/filter';
import { type LogAcknowledger, createLogAcknowledger } from '@epipe/pipeline';
import {
  ELASTIC_SINK_FIELDS,
  type ElasticSink,
  type ProvenanceIndex,
  createElasticSink,
  createProvenanceIndex,
} from '@epipe/sink-elastic';
import { KAFKA_SINK_FIELDS, type KafkaSink, createKafkaSink } from '@epipe/sink-kafka';
import { type LogSource, MYSQL_CONNECTION_FIELDS, createLogSource } from '@epipe/source';
import { type Pool, createPool } from 'mysql2/promise';
import { type EpipeConfig, provenanceIndexPrefix } from '../config/load';
import { endPool, withQueryTimeout } from './db';
import { kafkaSecurity, mysqlPoolOptions } from './connections';
import { elasticAccess, mysqlTls } from './tls';

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
  const rawPool = createPool(
    mysqlPoolOptions(mysql, { connectionLimit: mysql.poolSize, enableKeepAlive: true }),
  );
  const pool = withQueryTimeout(rawPool, mysql.queryTimeoutMs);
  const source = createLogSource(
    {
      ...pickFields(MYSQL_CONNECTION_FIELDS, mysql),
      ...config.source,
      serverId: serverId(config),
      ...(tls ? { tls } : {}),
    },
    { logger: deps.logger.child({ stage: 'source' }), metrics: deps.metrics },
  );
  const filter = createFilter(filterConfig(config.filter));
  const enricher = createEnricher(
    { sourceName: mysql.database, ...config.enrich },
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
          ...pickFields(KAFKA_SINK_FIELDS, k),
          source: mysql.database,
          ...(config.provenance.enabled
            ? { provenanceTopic: config.provenance.topic, topicPerProject: config.provenance.topicPerProject }
            : {}),
          ...kafkaSecurity(k),
        },
        { logger: deps.logger.child({ stage: 'kafka' }) },
      )
    : null;
  const e = config.elastic;
  const elastic = e.enabled
    ? createElasticSink(
        { ...elasticAccess(e), index: e.index, ...pickFields(ELASTIC_SINK_FIELDS, e) },
        { logger: deps.logger.child({ stage: 'elasticsearch' }) },
      )
    : null;
  const provenanceIndex =
    e.enabled && config.provenance.enabled
      ? createProvenanceIndex(
          {
            ...elasticAccess(e),
            ...pickFields(ELASTIC_SINK_FIELDS, e),
            indexPrefix: provenanceIndexPrefix(config),
            // The roots of artifacts first seen through a read are read from the inode index.
            inodeIndex: e.index,
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
