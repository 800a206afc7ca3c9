import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './daemon';
import { CONNECT_VERSION, DEBEZIUM_VERSION } from './debezium';
import { serviceVersions, type StackEnv } from './stack';

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Kafka's version as the stack script pins it (the broker does not report it over the protocol). */
function kafkaVersion(): string {
  try {
    const script = readFileSync(join(REPO_ROOT, 'deploy', 'stack.sh'), 'utf8');
    return /^KAFKA_VERSION=(\S+)/m.exec(script)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function collectVersions(stack: StackEnv): Promise<Record<string, string>> {
  const services = await serviceVersions(stack);
  return {
    'Node.js': process.version,
    MariaDB: services.mariadb,
    Kafka: kafkaVersion(),
    Elasticsearch: services.elasticsearch,
    Debezium: `${DEBEZIUM_VERSION} (Kafka Connect ${CONNECT_VERSION})`,
    kafkajs: packageVersion('kafkajs'),
    '@vlasky/zongji': packageVersion('@vlasky/zongji'),
    '@elastic/elasticsearch': packageVersion('@elastic/elasticsearch'),
    mysql2: packageVersion('mysql2'),
  };
}
