import { randomUUID } from 'node:crypto';
import { connectionSecurity, createTopicReader, type TopicReader } from '@epipe/client';
import { loadConfig } from '../config/load';
import { kafkaSecurity } from '../runtime/connections';
import { parseCount, UsageError, type CliIo, println } from './common';
import { readCommand } from './read-command';

export const SUBSCRIBE_USAGE = `usage: epipe subscribe --topic T [--project P] [--from beginning|committed] [--group G] [--max N]

Prints the topic's events as JSON lines. Offsets are committed after each printed batch, so a
subscriber killed and restarted with --from committed prints each event at least once:
deduplicate by eventId.

  --topic T       the topic (with topicPerProject, a project's provenance is <topic>.<project>)
  --project P     only events of project P (the artifact's owner, or the file's project)
  --from F        beginning: everything, in a new consumer group;
                  committed (default): where group G stopped (the beginning the first time)
  --group G       consumer group for --from committed (default epipe-subscribe.<topic>)
  --max N         stop after N events
  --config FILE   the daemon's configuration file (Kafka brokers; env wins)
  -h, --help      this help`;

export interface SubscribeDeps {
  /** Tests may pass a reader in place of Kafka. */
  reader?: (options: { topics: string[]; groupId: string; fromBeginning: boolean }) => TopicReader;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function projectOf(value: unknown): string | null {
  const v = value as { artifact?: { project?: unknown }; project?: { name?: unknown } | null } | null;
  if (typeof v?.artifact?.project === 'string') return v.artifact.project;
  if (typeof v?.project?.name === 'string') return v.project.name;
  return null;
}

export async function subscribeCommand(args: string[], io: CliIo, deps: SubscribeDeps = {}): Promise<number> {
  return readCommand(
    {
      name: 'subscribe',
      usage: SUBSCRIBE_USAGE,
      options: {
        topic: { type: 'string' },
        project: { type: 'string' },
        from: { type: 'string', default: 'committed' },
        group: { type: 'string' },
        max: { type: 'string' },
        config: { type: 'string' },
      },
      positionals: { min: 0, max: 0 },
    },
    async ({ values }) => {
      if (!values.topic) throw new UsageError('--topic is required');
      if (values.from !== 'beginning' && values.from !== 'committed')
        throw new UsageError(`--from is beginning or committed, got "${values.from}"`);
      if (values.from === 'beginning' && values.group)
        throw new UsageError('--group goes with --from committed');
      const max = values.max === undefined ? Number.POSITIVE_INFINITY : parseCount(values.max, 0, '--max');
      const options = {
        topics: [values.topic],
        groupId:
          values.from === 'beginning'
            ? `epipe-subscribe.${values.topic}.${randomUUID()}`
            : (values.group ?? `epipe-subscribe.${values.topic}`),
        fromBeginning: true,
      };
      let reader: TopicReader;
      if (deps.reader) reader = deps.reader(options);
      else {
        const config = loadConfig({ ...(values.config ? { file: values.config } : {}), env: io.env });
        const k = config.kafka;
        reader = createTopicReader({
          ...options,
          brokers: k.brokers,
          clientId: 'epipe-subscribe',
          security: connectionSecurity(kafkaSecurity(k)),
        });
      }
      let printed = 0;
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      // Run from a terminal, SIGINT or SIGTERM ends it after the batch being printed.
      const stopOnSignal = () => finish();
      if (io.signal) io.signal.addEventListener('abort', stopOnSignal, { once: true });
      else for (const s of STOP_SIGNALS) process.once(s, stopOnSignal);
      if (max === 0) finish();
      try {
        await reader.run(
          (records) => {
            let handled = 0;
            for (const r of records) {
              if (printed >= max) break;
              handled++;
              if (values.project && projectOf(r.value) !== values.project) continue;
              println(io, JSON.stringify(r.value));
              printed++;
            }
            return Promise.resolve(handled);
          },
          () => {
            // Only once what was printed is committed: a restart then prints nothing twice.
            if (printed >= max) finish();
          },
        );
        await done;
      } finally {
        if (!io.signal) for (const s of STOP_SIGNALS) process.off(s, stopOnSignal);
        await reader.stop();
      }
      return 0;
    },
  )(args, io);
}
