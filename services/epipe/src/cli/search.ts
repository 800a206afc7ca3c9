import { searchFiles } from '@epipe/query';
import { CONNECTION_HELP, isoTime, parseCount, UsageError } from './common';
import { queryCommand } from './read-command';

export const SEARCH_USAGE = `usage: epipe search [<text>] [--project P] [--under PATH] [--xattr k=v]... [--limit N] [--json]

Live files whose name, path or xattr values hold every word of <text>.

  --project P     only files of project P
  --under PATH    only files below this folder
  --xattr k=v     only files with this xattr value (repeatable)
  --limit N       hits at most (default 50)
${CONNECTION_HELP}`;

export const searchCommand = queryCommand(
  {
    name: 'search',
    usage: SEARCH_USAGE,
    options: {
      project: { type: 'string' },
      under: { type: 'string' },
      xattr: { type: 'string', multiple: true },
      limit: { type: 'string' },
    },
    positionals: { min: 0, max: 1 },
  },
  {
    request: ({ values, positionals }) => {
      const xattrs: Record<string, string> = {};
      for (const pair of values.xattr ?? []) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new UsageError(`--xattr wants name=value, got "${pair}"`);
        xattrs[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return {
        limit: parseCount(values.limit, 50, '--limit'),
        ...(positionals[0] ? { text: positionals[0] } : {}),
        ...(values.project ? { project: values.project } : {}),
        ...(values.under ? { under: values.under } : {}),
        ...(Object.keys(xattrs).length > 0 ? { xattrs } : {}),
      };
    },
    run: searchFiles,
    render: (hits, { limit }) => [
      ...hits.map((h) => `${h.path}${h.is_dir ? '/' : ''}  ${h.size} B  ${isoTime(h.last_commit_ts)}`),
      `${hits.length} file(s)${hits.length === limit ? ' (limit reached: raise --limit)' : ''}`,
    ],
  },
);
