import { readFileSync } from 'node:fs';
import type { MysqlTls } from '@epipe/source';
import type { KafkaTls } from '@epipe/sink-kafka';
import type { EpipeConfig } from '../config/load';

/**
 * TLS material read from the configured files. Every lifetime reads them again, so a rotated
 * certificate (a Secret updated in place) is picked up by the next restart of the pipeline.
 */
function read(file: string): string | undefined {
  return file ? readFileSync(file, 'utf8') : undefined;
}

function pem(fields: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

export function mysqlTls(config: EpipeConfig['mysql']): MysqlTls | undefined {
  if (!config.tls) return undefined;
  return {
    ...pem({ ca: read(config.tlsCaFile), cert: read(config.tlsCertFile), key: read(config.tlsKeyFile) }),
    verifyIdentity: config.tlsVerifyIdentity,
  };
}

export function kafkaTls(config: EpipeConfig['kafka']): boolean | KafkaTls {
  if (!config.ssl) return false;
  const files = pem({
    ca: read(config.tlsCaFile),
    cert: read(config.tlsCertFile),
    key: read(config.tlsKeyFile),
  });
  return Object.keys(files).length > 0 ? files : true;
}

export function elasticTls(config: EpipeConfig['elastic']): { ca: string } | undefined {
  const ca = read(config.caFile);
  return ca === undefined ? undefined : { ca };
}

/**
 * Where Elasticsearch is and how to prove who we are to it: the part the search sink, the
 * provenance index, reindex and the read commands all share.
 */
export function elasticAccess(e: EpipeConfig['elastic']): {
  url: string[];
  apiKey?: string;
  username?: string;
  password?: string;
  caFingerprint?: string;
  tls?: { ca: string };
} {
  const tls = e.caFile ? elasticTls(e) : undefined;
  return {
    url: e.url,
    ...(e.apiKey ? { apiKey: e.apiKey } : {}),
    ...(e.username ? { username: e.username, password: e.password } : {}),
    ...(e.caFingerprint ? { caFingerprint: e.caFingerprint } : {}),
    ...(tls ? { tls } : {}),
  };
}
