import { redactConfig } from '../config/load';
import { FIELDS } from '../config/schema';
import { CONFIG_OPTION, loadCommandConfig, parseCommand } from './args';
import { type Command, EXIT } from './io';

export const config: Command = async (args, io) => {
  const parsed = parseCommand(
    args,
    {
      usage: `usage: epipe config [--config <file.json>]\n\nPrints the effective configuration (defaults, file, environment) with secrets masked.`,
      options: CONFIG_OPTION,
    },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const loaded = loadCommandConfig(parsed.values.config, io);
  if (typeof loaded === 'number') return loaded;
  io.out(`${JSON.stringify(redactConfig(loaded), null, 2)}\n`);
  return Promise.resolve(EXIT.ok);
};

export const fields: Command = async (args, io) => {
  const parsed = parseCommand(
    args,
    {
      usage: `usage: epipe fields\n\nLists every configuration field: its path in the file, its environment variable, default and meaning.`,
      options: {},
    },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  for (const f of FIELDS) {
    io.out(
      `${f.path.padEnd(28)} ${f.env.padEnd(32)} ${JSON.stringify(f.default).padEnd(24)} ${f.doc}${f.secret ? ` (secret; or ${f.env}_FILE)` : ''}\n`,
    );
  }
  return Promise.resolve(EXIT.ok);
};
