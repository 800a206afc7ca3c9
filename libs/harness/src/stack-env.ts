/** Where the local stack's services listen. */
export interface StackEnv {
  mysql: { host: string; port: number; user: string; password: string };
  brokers: string[];
  esUrl: string;
}

/**
 * The local stack's addresses from the environment (`deploy/stack.sh up` writes them to
 * .stack/env); the defaults are the script's own.
 */
export function stackEnv(env: NodeJS.ProcessEnv = process.env): StackEnv {
  return {
    mysql: {
      host: env.EPIPE_MYSQL_HOST ?? '127.0.0.1',
      port: Number(env.EPIPE_MYSQL_PORT ?? 3307),
      user: env.EPIPE_MYSQL_USER ?? 'root',
      password: env.EPIPE_MYSQL_PASSWORD ?? '',
    },
    brokers: (env.EPIPE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    esUrl: env.EPIPE_ES_URL ?? 'http://127.0.0.1:9200',
  };
}
