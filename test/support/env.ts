import { stackEnv } from '@epipe/harness';

/** Where the real services of the local stack listen (see stackEnv). */
export interface TestEnv {
  mysql: { host: string; port: number; user: string; password: string };
  kafkaBrokers: string[];
  elasticUrl: string;
}

export function testEnv(): TestEnv {
  const { mysql, brokers, esUrl } = stackEnv();
  return { mysql, kafkaBrokers: brokers, elasticUrl: esUrl };
}

/** A name unique to this test file and run, for databases, topics and indices. */
export function uniqueName(prefix: string): string {
  const rand = Math.random().toString(36).slice(2, 8);
  return `${prefix}_${Date.now().toString(36)}_${rand}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}
