import type { ParseArgsConfig } from 'node:util';
import { EpipeError, errorMessage, silentLogger } from '@epipe/core';
import { QueryInputError, type ProvenanceReader } from '@epipe/query';
import { createProvenanceIndex } from '@epipe/sink-elastic';
import { type EpipeConfig, loadConfig, provenanceIndexPrefix } from '../config/load';
import { elasticAccess } from '../runtime/tls';
import { type CliIo as BaseIo, EXIT } from './io';

/**
 * What a read command may touch: the CLI's output and environment, and (in tests) a reader in
 * place of the cluster and a signal that ends a long command (subscribe).
 */
export interface CliIo extends BaseIo {
  openReader?: (options: ConnectionOptions) => Promise<OpenReader>;
  signal?: AbortSignal;
}

export interface OpenReader {
  reader: ProvenanceReader;
  close: () => Promise<void>;
}

export interface ConnectionOptions {
  config?: string;
  prefix?: string;
}

/** The read commands print line by line. */
export function println(io: BaseIo, line: string): void {
  io.out(`${line}\n`);
}

export function eprintln(io: BaseIo, line: string): void {
  io.err(`${line}\n`);
}

/** A mistake of the user's: exit 2 with the message, never a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const CONNECTION_OPTIONS = {
  config: { type: 'string' },
  prefix: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export const CONNECTION_HELP = `  --config FILE   the daemon's configuration file (Elasticsearch and Kafka settings; env wins)
  --prefix NAME   provenance index prefix (default: EPIPE_PROVENANCE_INDEX_PREFIX, else <elastic.index>_prov)
  --json          JSON instead of the readable form
  -h, --help      this help`;

/**
 * Runs node:util parseArgs (strict, positionals allowed) and checks the positional count; any
 * mistake becomes a UsageError. Takes a thunk so each command keeps its own typed options.
 */
export function parse<T extends { values: { help?: boolean | undefined }; positionals: string[] }>(
  run: () => T,
  positionals: { min: number; max: number },
): T {
  let parsed: T;
  try {
    parsed = run();
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const count = parsed.positionals.length;
  if (parsed.values.help !== true && (count < positionals.min || count > positionals.max))
    throw new UsageError(
      positionals.max === 0
        ? `unexpected argument "${parsed.positionals[0]}"`
        : `expected ${positionals.min === positionals.max ? positionals.min : `${positionals.min} to ${positionals.max}`} argument(s), got ${count}`,
    );
  return parsed;
}

/** Epoch milliseconds or an ISO-8601 time. */
export function parseTime(text: string, what: string): number {
  if (/^[0-9]+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new UsageError(`${what}: not a time: "${text}" (ISO-8601 or epoch milliseconds)`);
  return ms;
}

export function parseCount(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${what}: not a count: "${text}"`);
  return n;
}

export function provenancePrefix(options: ConnectionOptions, config: EpipeConfig): string {
  return options.prefix ?? provenanceIndexPrefix(config);
}

/** Opens the read side for the command's --config and --prefix, runs `use`, closes it whatever happens. */
export async function withReader<T>(
  values: { config?: string | undefined; prefix?: string | undefined },
  io: CliIo,
  use: (reader: OpenReader['reader']) => Promise<T>,
): Promise<T> {
  const { reader, close } = await openReader(
    {
      ...(values.config ? { config: values.config } : {}),
      ...(values.prefix ? { prefix: values.prefix } : {}),
    },
    io,
  );
  try {
    return await use(reader);
  } finally {
    await close();
  }
}

export async function openReader(options: ConnectionOptions, io: CliIo): Promise<OpenReader> {
  if (io.openReader) return io.openReader(options);
  const config = loadConfig({ ...(options.config ? { file: options.config } : {}), env: io.env });
  const e = config.elastic;
  const index = createProvenanceIndex(
    {
      ...elasticAccess(e),
      indexPrefix: provenancePrefix(options, config),
      inodeIndex: e.index,
      requestTimeoutMs: e.requestTimeoutMs,
      maxRetries: 1,
      refreshInterval: e.refreshInterval,
      replicas: e.replicas,
    },
    { logger: silentLogger() },
  );
  return { reader: index, close: () => index.close() };
}

/**
 * Runs a command body and turns failures into exit codes: 2 for the user's mistakes (bad
 * arguments, an unknown artifact, a wrong config value), 1 for everything else; one line each.
 */
export async function runCommand(
  name: string,
  usage: string,
  io: CliIo,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      eprintln(io, `epipe ${name}: ${err.message}`);
      eprintln(io, usage);
      return EXIT.usage;
    }
    if (err instanceof QueryInputError || (err instanceof EpipeError && err.code === 'CONFIG_INVALID')) {
      eprintln(io, `epipe ${name}: ${err.message}`);
      return EXIT.usage;
    }
    eprintln(io, `epipe ${name}: ${errorMessage(err)}`);
    return EXIT.failed;
  }
}

export function isoTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');
}
