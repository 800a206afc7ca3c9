import { activityCommand } from './activity';
import { processIo, type CliIo, type Command } from './common';
import { lineageCommand } from './lineage';
import { searchCommand } from './search';
import { subscribeCommand } from './subscribe';

export type { CliIo, Command } from './common';

/** The read-side commands, by name: each takes its arguments and returns the exit code. */
export const CLI_COMMANDS: Readonly<Record<string, Command>> = {
  lineage: lineageCommand,
  search: searchCommand,
  activity: activityCommand,
  subscribe: (args, io) => subscribeCommand(args, io),
};

/** The command of that name, or undefined (not fooled by names such as "constructor"). */
export function cliCommand(name: string | undefined): Command | undefined {
  return name !== undefined && Object.hasOwn(CLI_COMMANDS, name) ? CLI_COMMANDS[name] : undefined;
}

export const CLI_USAGE = `read commands (each has --help):
  lineage    what went into an artifact, or what it went into
  search     live files by name, path and xattrs
  activity   an artifact's operations over time
  subscribe  print a topic's events as JSON lines`;

/** Process stdout/stderr, with SIGINT/SIGTERM ending a long command (subscribe) cleanly. */
export function cliProcessIo(): CliIo {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { ...processIo(), signal: controller.signal };
}
