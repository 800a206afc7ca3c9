/**
 * Where the real services of the local stack listen. `deploy/stack.sh up` writes the same
 * names into .stack/env; the defaults match its defaults.
 */
export interface TestEnv {
  mysql: { host: string; port: number; user: string; password: string };
  kafkaBrokers: string[];
  elasticUrl: string;
}

export function testEnv(): TestEnv {
  const env = process.env;
  return {
    mysql: {
      host: env.EPIPE_MYSQL_HOST ?? '127.0.0.1',
      port: Number(env.EPIPE_MYSQL_PORT ?? 3307),
      user: env.EPIPE_MYSQL_USER ?? 'root',
      password: env.EPIPE_MYSQL_PASSWORD ?? '',
    },
    kafkaBrokers: (env.EPIPE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    elasticUrl: env.EPIPE_ES_URL ?? 'http://127.0.0.1:9200',
  };
}

/** A name unique to this test file and run, for databases, topics and indices. */
export function uniqueName(prefix: string): string {
  const rand = Math.random().toString(36).slice(2, 8);
  return `${prefix}_${Date.now().toString(36)}_${rand}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}
