import { lineage, parseSelector } from '@epipe/query';
import { CONNECTION_HELP, parseCount, parseTime, UsageError } from './common';
import { queryCommand } from './read-command';
import { renderLineage } from './render';

export const LINEAGE_USAGE = `usage: epipe lineage <artifact> [--up|--down] [--depth N] [--as-of TIME] [--limit N] [--project P] [--json]

What went into an artifact (--up, the default) or what it went into (--down), hop by hop.
<artifact> is an id, a root path (/Projects/p/Models/fraud/1), or name/version in --project.

  --depth N       hops to follow (default 3)
  --as-of TIME    only edges that existed then, and <artifact> named as it was then
                  (nodes show their current names; ISO-8601 or epoch ms)
  --limit N       artifacts at most (default 200); the answer says when it was cut
  --project P     the project a name/version refers to
${CONNECTION_HELP}`;

export const lineageCommand = queryCommand(
  {
    name: 'lineage',
    usage: LINEAGE_USAGE,
    options: {
      up: { type: 'boolean', default: false },
      down: { type: 'boolean', default: false },
      depth: { type: 'string' },
      'as-of': { type: 'string' },
      limit: { type: 'string' },
      project: { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
  },
  {
    request: ({ values, positionals }) => {
      if (values.up && values.down) throw new UsageError('--up and --down exclude each other');
      const depth = parseCount(values.depth, 3, '--depth');
      const limit = parseCount(values.limit, 200, '--limit');
      if (limit < 1) throw new UsageError('--limit must be at least 1');
      const asOfMs = values['as-of'] === undefined ? undefined : parseTime(values['as-of'], '--as-of');
      return {
        artifact: parseSelector(positionals[0]!, values.project),
        direction: values.down ? ('down' as const) : ('up' as const),
        depth,
        limit,
        ...(asOfMs === undefined ? {} : { asOfMs }),
      };
    },
    run: lineage,
    render: renderLineage,
  },
);
