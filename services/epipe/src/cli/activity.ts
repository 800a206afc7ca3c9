import { parseArgs } from 'node:util';
import { activity, parseSelector } from '@epipe/query';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  isoTime,
  withReader,
  parse,
  parseCount,
  parseTime,
  runCommand,
  type CliIo,
  println,
} from './common';

export const ACTIVITY_USAGE = `usage: epipe activity <artifact> [--since TIME] [--limit N] [--project P] [--json]

An artifact's operations over time: op, count, app, job and pipeline run.
<artifact> is an id, a root path, or name/version in --project.

  --since TIME    only operations since then (ISO-8601 or epoch ms)
  --limit N       operations at most (default 500)
  --project P     the project a name/version refers to
${CONNECTION_HELP}`;

export async function activityCommand(args: string[], io: CliIo): Promise<number> {
  return runCommand('activity', ACTIVITY_USAGE, io, async () => {
    const { values, positionals } = parse(
      () =>
        parseArgs({
          args,
          options: {
            ...CONNECTION_OPTIONS,
            since: { type: 'string' },
            limit: { type: 'string' },
            project: { type: 'string' },
          },
          allowPositionals: true,
          strict: true,
        }),
      { min: 1, max: 1 },
    );
    if (values.help) {
      println(io, ACTIVITY_USAGE);
      return 0;
    }
    const sinceMs = values.since === undefined ? undefined : parseTime(values.since, '--since');
    const limit = parseCount(values.limit, 500, '--limit');
    const artifact = parseSelector(positionals[0]!, values.project);
    return withReader(values, io, async (reader) => {
      const result = await activity(
        reader,
        { artifact, limit, ...(sinceMs === undefined ? {} : { sinceMs }) },
        io.signal,
      );
      if (values.json) println(io, JSON.stringify(result, null, 2));
      else {
        for (const o of result.operations) {
          const who = o.app
            ? [o.app.appId, o.app.jobName, o.app.pipelineRun && `run ${o.app.pipelineRun}`]
                .filter(Boolean)
                .join(' ')
            : `user ${o.user.name ?? o.user.id}`;
          const detail = o.detail ? `(${o.detail})` : '';
          println(
            io,
            `${isoTime(o.firstCommitTsMs)}  ${`${o.op}${detail}`.padEnd(12)} x${String(o.count).padEnd(6)} ${o.artifact.path}  ${who}`,
          );
        }
        println(io, `${result.operations.length} operation(s) of artifact ${result.artifactId}`);
      }
      return 0;
    });
  });
}
