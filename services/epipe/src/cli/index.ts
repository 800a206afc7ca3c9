import { parseArgs } from 'node:util';
import { errorMessage } from '@epipe/core';
import { VERSION } from '../version';
import { activityCommand } from './activity';
import { config, fields } from './config';
import { dlq } from './dlq';
import { reindex } from './reindex';
import { type CliIo, type Command, EXIT } from './io';
import { lineageCommand } from './lineage';
import { run } from './run';
import { searchCommand } from './search';
import { status } from './status';
import { subscribeCommand } from './subscribe';

/** Every subcommand: adding one is one line here (a module exporting a Command). */
export const COMMANDS: Record<string, { summary: string; command: Command }> = {
  run: { summary: 'run the daemon (SIGTERM drains in-flight work and exits 0)', command: run },
  status: {
    summary: 'leader, binlog position, backlog, lag, sinks and last error [--json]',
    command: status,
  },
  reindex: { summary: 'rebuild the search index from the database while the daemon runs', command: reindex },
  dlq: { summary: 'dead letters: list [--json], show <log id>, replay <log id>...', command: dlq },
  config: { summary: 'print the effective configuration (secrets masked)', command: config },
  fields: { summary: 'list every configuration field with its variable and default', command: fields },
  lineage: { summary: 'what went into an artifact, or what it went into', command: lineageCommand },
  search: { summary: 'live files by name, path and xattrs', command: searchCommand },
  activity: { summary: "an artifact's operations over time", command: activityCommand },
  subscribe: {
    summary: "print a topic's events as JSON lines",
    command: (args, io) => subscribeCommand(args, io),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: epipe [--help] [--version] <command> [options]

commands:
${lines.join('\n')}

\`epipe <command> --help\` describes a command. Every configuration field can be set in the JSON
file given with --config (or EPIPE_CONFIG) or by its environment variable (environment wins).
A secret field can also be read from a file: <VARIABLE>_FILE, or <secrets.dir>/<field path>.`;
}

/**
 * The CLI's entry: global flags (--help, --version) before the command, then the command's own
 * arguments, which it parses itself. Unknown commands and flags exit 2.
 */
export async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const commandAt = argv.findIndex((a) => !a.startsWith('-'));
  const globalArgs = commandAt < 0 ? argv : argv.slice(0, commandAt);
  let values: { help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({
      args: globalArgs,
      options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' } },
      strict: true,
    }));
  } catch (err) {
    io.err(`epipe: ${errorMessage(err)}\n\n${usage()}\n`);
    return EXIT.usage;
  }
  if (values.version) {
    io.out(`epipe ${VERSION}\n`);
    return EXIT.ok;
  }
  if (values.help) {
    io.out(`${usage()}\n`);
    return EXIT.ok;
  }
  const name = commandAt < 0 ? undefined : argv[commandAt];
  const entry = name === undefined ? undefined : COMMANDS[name];
  if (!entry || !Object.hasOwn(COMMANDS, name!)) {
    io.err(
      `${name === undefined ? 'epipe: no command given' : `epipe: unknown command ${JSON.stringify(name)}`}\n\n${usage()}\n`,
    );
    return EXIT.usage;
  }
  return entry.command(argv.slice(commandAt + 1), io);
}
