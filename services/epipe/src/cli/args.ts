import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EpipeError, errorMessage } from '@epipe/core';
import { type EpipeConfig, loadConfig } from '../config/load';
import { unknownVariables } from './env';
import { type CliIo, EXIT } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `--config <file>` (or `--config=<file>`, `-c <file>`), shared by the commands that read it. */
export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const satisfies Options;

export interface CommandSpec<O extends Options> {
  /** Usage text printed by --help (exit 0) and after a usage error (exit 2). */
  usage: string;
  options: O;
  /** Whether positionals are accepted (otherwise one is a usage error). */
  positionals?: boolean;
}

type Config<O extends Options> = { args: string[]; options: O; strict: true; allowPositionals: true };
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<Config<O>>>;

/**
 * Parses a command's arguments with node:util parseArgs, strictly: an unknown flag, a missing
 * value or an unexpected positional prints the problem and the usage and returns exit code 2;
 * `--help` prints the usage and returns 0. Otherwise returns the parsed values.
 */
export function parseCommand<O extends Options>(
  args: string[],
  spec: CommandSpec<O>,
  io: CliIo,
): Parsed<O> | number {
  const options = { ...spec.options, help: { type: 'boolean', short: 'h' } } as O;
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs<Config<O>>({
      args,
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    io.err(`epipe: ${errorMessage(err)}\n\n${spec.usage}\n`);
    return EXIT.usage;
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.out(`${spec.usage}\n`);
    return EXIT.ok;
  }
  if (!spec.positionals && parsed.positionals.length > 0) {
    io.err(`epipe: unexpected argument ${JSON.stringify(parsed.positionals[0])}\n\n${spec.usage}\n`);
    return EXIT.usage;
  }
  return parsed;
}

/**
 * The configuration from `--config` (or EPIPE_CONFIG) and the environment; warns about EPIPE_*
 * variables no field declares (a typo would otherwise be silently ignored). A wrong value
 * prints the message naming the field and returns exit code 2.
 */
export function loadCommandConfig(file: string | undefined, io: CliIo): EpipeConfig | number {
  for (const { name, suggestion } of unknownVariables(io.env)) {
    io.err(
      `epipe: warning: ${name} is not a setting epipe knows${suggestion ? ` (did you mean ${suggestion}?)` : ''}; it is ignored\n`,
    );
  }
  const path = file ?? (io.env.EPIPE_CONFIG || undefined);
  try {
    return loadConfig({ ...(path ? { file: path } : {}), env: io.env });
  } catch (err) {
    io.err(`epipe: ${err instanceof EpipeError ? err.message : errorMessage(err)}\n`);
    return EXIT.usage;
  }
}
