import { parseArgs } from 'node:util';
import { searchFiles } from '@epipe/query';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  isoTime,
  withReader,
  parse,
  parseCount,
  runCommand,
  UsageError,
  type CliIo,
  println,
} from './common';

export const SEARCH_USAGE = `usage: epipe search [<text>] [--project P] [--under PATH] [--xattr k=v]... [--limit N] [--json]

Live files whose name, path or xattr values hold every word of <text>.

  --project P     only files of project P
  --under PATH    only files below this folder
  --xattr k=v     only files with this xattr value (repeatable)
  --limit N       hits at most (default 50)
${CONNECTION_HELP}`;

export async function searchCommand(args: string[], io: CliIo): Promise<number> {
  return runCommand('search', SEARCH_USAGE, io, async () => {
    const { values, positionals } = parse(
      () =>
        parseArgs({
          args,
          options: {
            ...CONNECTION_OPTIONS,
            project: { type: 'string' },
            under: { type: 'string' },
            xattr: { type: 'string', multiple: true },
            limit: { type: 'string' },
          },
          allowPositionals: true,
          strict: true,
        }),
      { min: 0, max: 1 },
    );
    if (values.help) {
      println(io, SEARCH_USAGE);
      return 0;
    }
    const xattrs: Record<string, string> = {};
    for (const pair of values.xattr ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--xattr wants name=value, got "${pair}"`);
      xattrs[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const limit = parseCount(values.limit, 50, '--limit');
    return withReader(values, io, async (reader) => {
      const hits = await searchFiles(
        reader,
        {
          limit,
          ...(positionals[0] ? { text: positionals[0] } : {}),
          ...(values.project ? { project: values.project } : {}),
          ...(values.under ? { under: values.under } : {}),
          ...(Object.keys(xattrs).length > 0 ? { xattrs } : {}),
        },
        io.signal,
      );
      if (values.json) println(io, JSON.stringify(hits, null, 2));
      else {
        for (const h of hits)
          println(io, `${h.path}${h.is_dir ? '/' : ''}  ${h.size} B  ${isoTime(h.last_commit_ts)}`);
        println(
          io,
          `${hits.length} file(s)${hits.length === limit ? ' (limit reached: raise --limit)' : ''}`,
        );
      }
      return 0;
    });
  });
}
