import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ProvenanceReader } from '@epipe/query';
import { CONNECTION_OPTIONS, type CliIo, parse, println, runCommand, withReader } from './common';

type Options = NonNullable<ParseArgsConfig['options']>;
type Config<O extends Options> = { args: string[]; options: O; strict: true; allowPositionals: true };
export type ParsedArgs<O extends Options> = ReturnType<typeof parseArgs<Config<O>>>;

const HELP_OPTION = {
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies Options;
type WithHelp<O extends Options> = typeof HELP_OPTION & O;

export interface ReadCommandSpec<O extends Options> {
  /** The command's name, which starts every message it prints on stderr. */
  name: string;
  /** Printed by --help (exit 0) and after a usage error (exit 2). */
  usage: string;
  /** The command's own flags; -h/--help is added. */
  options: O;
  positionals: { min: number; max: number };
}

/**
 * The part every read command shares: strict parsing with the positional count checked, --help,
 * and failures turned into exit codes by runCommand. `body` sees the typed arguments.
 */
export function readCommand<O extends Options>(
  spec: ReadCommandSpec<O>,
  body: (parsed: ParsedArgs<WithHelp<O>>, io: CliIo) => Promise<number>,
): (args: string[], io: CliIo) => Promise<number> {
  const options: WithHelp<O> = { ...HELP_OPTION, ...spec.options };
  return (args, io) =>
    runCommand(spec.name, spec.usage, io, async () => {
      const parsed = parse(
        () => parseArgs<Config<WithHelp<O>>>({ args, options, allowPositionals: true, strict: true }),
        spec.positionals,
      );
      if ((parsed.values as { help?: boolean }).help) {
        println(io, spec.usage);
        return 0;
      }
      return body(parsed, io);
    });
}

export interface QuerySteps<O extends Options, Q, R> {
  /** Checks the arguments and builds the query, before any connection is opened. */
  request: (parsed: ParsedArgs<typeof CONNECTION_OPTIONS & O>) => Q;
  run: (reader: ProvenanceReader, request: Q, signal: AbortSignal | undefined) => Promise<R>;
  /** The readable form, line by line; --json prints the result itself. */
  render: (result: R, request: Q) => string[];
}

/**
 * A command that asks the provenance indices one question: lineage, search, activity. Adds the
 * connection flags (--config, --prefix, --json, --help) to the command's own, opens the reader
 * only once the arguments are known to be right, and prints the answer as JSON or readable lines.
 */
export function queryCommand<O extends Options, Q, R>(
  spec: ReadCommandSpec<O>,
  steps: QuerySteps<O, Q, R>,
): (args: string[], io: CliIo) => Promise<number> {
  return readCommand({ ...spec, options: { ...CONNECTION_OPTIONS, ...spec.options } }, (parsed, io) => {
    const request = steps.request(parsed);
    return withReader(parsed.values, io, async (reader) => {
      const result = await steps.run(reader, request, io.signal);
      if ((parsed.values as { json?: boolean }).json) println(io, JSON.stringify(result, null, 2));
      else for (const line of steps.render(result, request)) println(io, line);
      return 0;
    });
  });
}
