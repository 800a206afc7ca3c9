import { saslOption } from '@epipe/sink-kafka';
import { mysqlSslOptions } from '@epipe/source';
import type { PoolOptions } from 'mysql2/promise';
import type { EpipeConfig } from '../config/load';
import { kafkaTls, mysqlTls } from './tls';

/**
 * How every part of the service reaches MariaDB and Kafka from the configuration: the daemon's
 * components and the commands (status, dlq, reindex, subscribe) connect the same way, so a TLS or
 * SASL setting works for all of them or for none.
 */
export function mysqlPoolOptions(
  mysql: EpipeConfig['mysql'],
  pool: { connectionLimit: number; enableKeepAlive?: boolean },
): PoolOptions {
  const tls = mysqlTls(mysql);
  return {
    host: mysql.host,
    port: mysql.port,
    user: mysql.user,
    password: mysql.password,
    database: mysql.database,
    connectTimeout: mysql.connectTimeoutMs,
    // BIGINT ids (inode and log ids) come back exact.
    supportBigNumbers: true,
    ...pool,
    ...(tls ? { ssl: mysqlSslOptions(tls) } : {}),
  };
}

/** TLS and SASL for any Kafka client: the sink, the dead-letter reader, the subscriber. */
export function kafkaSecurity(kafka: EpipeConfig['kafka']): {
  ssl: ReturnType<typeof kafkaTls>;
} & ReturnType<typeof saslOption> {
  return { ssl: kafkaTls(kafka), ...saslOption(kafka) };
}
