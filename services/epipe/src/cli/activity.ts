import { activity, parseSelector } from '@epipe/query';
import { CONNECTION_HELP, isoTime, parseCount, parseTime } from './common';
import { queryCommand } from './read-command';

export const ACTIVITY_USAGE = `usage: epipe activity <artifact> [--since TIME] [--limit N] [--project P] [--json]

An artifact's operations over time: op, count, app, job and pipeline run.
<artifact> is an id, a root path, or name/version in --project.

  --since TIME    only operations since then (ISO-8601 or epoch ms)
  --limit N       operations at most (default 500)
  --project P     the project a name/version refers to
${CONNECTION_HELP}`;

export const activityCommand = queryCommand(
  {
    name: 'activity',
    usage: ACTIVITY_USAGE,
    options: { since: { type: 'string' }, limit: { type: 'string' }, project: { type: 'string' } },
    positionals: { min: 1, max: 1 },
  },
  {
    request: ({ values, positionals }) => {
      const sinceMs = values.since === undefined ? undefined : parseTime(values.since, '--since');
      return {
        artifact: parseSelector(positionals[0]!, values.project),
        limit: parseCount(values.limit, 500, '--limit'),
        ...(sinceMs === undefined ? {} : { sinceMs }),
      };
    },
    run: activity,
    render: (result) => [
      ...result.operations.map((o) => {
        const who = o.app
          ? [o.app.appId, o.app.jobName, o.app.pipelineRun && `run ${o.app.pipelineRun}`]
              .filter(Boolean)
              .join(' ')
          : `user ${o.user.name ?? o.user.id}`;
        const detail = o.detail ? `(${o.detail})` : '';
        return `${isoTime(o.firstCommitTsMs)}  ${`${o.op}${detail}`.padEnd(12)} x${String(o.count).padEnd(6)} ${o.artifact.path}  ${who}`;
      }),
      `${result.operations.length} operation(s) of artifact ${result.artifactId}`,
    ],
  },
);
