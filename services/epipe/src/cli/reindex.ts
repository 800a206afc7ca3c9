import { errorMessage } from '@epipe/core';
import { reindexRefusal, runReindex } from '../reindex/run';
import { CONFIG_OPTION, loadCommandConfig, parseCommand } from './args';
import { type Command, EXIT } from './io';

const USAGE = `usage: epipe reindex [--page-size <n>] [--config <file.json>]

Rebuilds the search index from the database's current state while the daemon keeps running:
makes <elastic.index>-v<n+1>, points the alias's writes at it (searches keep seeing the old
index too), copies every inode that the path and tag rules (filter.*) keep, as the daemon
indexes them, switches the alias to the new index in one atomic step, deletes
documents of inodes gone meanwhile and drops the old index. Progress goes to standard error.
Interrupted, it is simply run again: it finds the half-built index and copies into it again.
Refused (exit 2) with filter.operations set: which changes reached the index depends on past
operations, which the database does not keep.
Exit 0 when switched, 1 when it failed (the alias still serves the old index's documents).`;

export const reindex: Command = async (args, io) => {
  const parsed = parseCommand(
    args,
    { usage: USAGE, options: { ...CONFIG_OPTION, 'page-size': { type: 'string' } } },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const pageSize = Number(parsed.values['page-size'] ?? 1_000);
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
    io.err(`epipe: --page-size must be an integer from 1 to 10000\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const config = loadCommandConfig(parsed.values.config, io);
  if (typeof config === 'number') return config;
  const refusal = reindexRefusal(config);
  if (refusal) {
    io.err(`epipe: ${refusal}\n`);
    return EXIT.usage;
  }
  try {
    const s = await runReindex(config, { pageSize, onProgress: (line) => io.err(`reindex: ${line}\n`) });
    io.out(
      `${s.alias} -> ${s.target}: ${s.copied - s.filtered} inodes copied, ${s.filtered} left out by the filter rules, ${s.fixed} rewritten after directory moves, ${s.swept} stale documents deleted, ${s.seconds.toFixed(1)} s${s.resumed ? ' (resumed)' : ''}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    io.err(`epipe: reindex failed: ${errorMessage(err)}\n`);
    return EXIT.failed;
  }
};
