import { type DeadLetter, errorMessage, pickFields, silentLogger } from '@epipe/core';
import { deadLetterIndexName, readDeadLetterIndex } from '@epipe/sink-elastic';
import {
  type DeadLetterRecordValue,
  KAFKA_SINK_FIELDS,
  deadLetterValue,
  readDeadLetters,
} from '@epipe/sink-kafka';
import { createPool } from 'mysql2/promise';
import type { EpipeConfig } from '../config/load';
import { kafkaSecurity, mysqlPoolOptions } from '../runtime/connections';
import { elasticAccess } from '../runtime/tls';
import { CONFIG_OPTION, loadCommandConfig, parseCommand } from './args';
import { replayLetter, type ReplayOutcome } from './dlq-replay';
import { type CliIo, type Command, EXIT } from './io';

const USAGE = `usage: epipe dlq list [--json] [--config <file.json>]
       epipe dlq show <log id> [--config <file.json>]
       epipe dlq replay <log id>... [--config <file.json>]

Reads every dead letter: the dead-letter topic (kafka.deadLetterTopic, with Kafka on) from its
beginning to its end, and the dead-letter index (<elastic.index>-dead-letters, with
Elasticsearch on), which keeps the letters Kafka was off for or refused.
  list     one line per letter: where (topic partition:offset, or index), stage, log id, inode,
           time, reason
  show     every letter of that log id, whole (the row it carried included), as JSON
  replay   after the cause is fixed: inserts each letter's row into the log table again, same
           columns, new log id, so the daemon delivers it like any write. Idempotent: a letter
           already replayed is reported with the log id it got and not written again (marker
           table epipe_dlq_replays). Needs an account with INSERT on the log table and CREATE
           (set EPIPE_MYSQL_USER/PASSWORD for it); the daemon's own account has neither.
           A document the search index refused is fixed with \`epipe reindex\` instead.
Exit 0 when done, 1 when Kafka, Elasticsearch or the database failed (what could be read is
still shown) or a letter could not be replayed.`;

export const dlq: Command = async (args, io) => {
  const parsed = parseCommand(
    args,
    { usage: USAGE, options: { ...CONFIG_OPTION, json: { type: 'boolean' } }, positionals: true },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const [action, ...rest] = parsed.positionals;
  const ids = rest.map(Number);
  const bad =
    action === 'list'
      ? rest.length > 0 && 'list takes no argument'
      : action === 'show'
        ? rest.length !== 1 && 'show takes one log id'
        : action === 'replay'
          ? rest.length === 0 && 'replay takes at least one log id'
          : `unknown action ${JSON.stringify(action ?? '')}`;
  const badId = action === 'list' ? undefined : rest.find((r) => !/^\d+$/.test(r));
  if (bad || badId !== undefined) {
    io.err(`epipe: ${bad || `${JSON.stringify(badId)} is not a log id`}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const config = loadCommandConfig(parsed.values.config, io);
  if (typeof config === 'number') return config;
  const { letters, failed } = await readLetters(config, io);
  if (action === 'list') {
    const code = list(letters, parsed.values.json === true, io);
    return failed ? EXIT.failed : code;
  }
  const wanted = (id: number) => letters.filter((l) => l.letter?.logId === id);
  if (action === 'show') {
    const found = wanted(ids[0]!);
    if (found.length === 0) {
      io.err(`epipe: no dead letter for log id ${ids[0]}\n`);
      return EXIT.failed;
    }
    io.out(`${JSON.stringify(found, null, 2)}\n`);
    return failed ? EXIT.failed : EXIT.ok;
  }
  const code = await replay(config, ids, wanted, io);
  return failed ? EXIT.failed : code;
};

/** A letter from the topic or the index, in the topic's record shape either way. */
interface FoundLetter {
  /** `topic` (then partition and offset) or `index` (then its name and the document id). */
  origin: 'topic' | 'index';
  /** partition:offset in the topic, the document id in the index. */
  id: string;
  partition?: number;
  offset?: string;
  index?: string;
  timestampMs: number;
  letter: DeadLetterRecordValue | null;
  unreadable?: string;
}

/**
 * Both stores the pipeline writes letters to. A store that cannot be read is reported on stderr
 * and the other is still read: an operator whose Kafka is down still sees the index's letters.
 */
async function readLetters(
  config: EpipeConfig,
  io: CliIo,
): Promise<{ letters: FoundLetter[]; failed: boolean }> {
  const letters: FoundLetter[] = [];
  let failed = false;
  const k = config.kafka;
  if (k.enabled) {
    try {
      const stored = await readDeadLetters(
        {
          ...pickFields(KAFKA_SINK_FIELDS, k),
          ...kafkaSecurity(k),
        },
        { logger: silentLogger() },
      );
      for (const l of stored) letters.push({ origin: 'topic', id: `${l.partition}:${l.offset}`, ...l });
    } catch (err) {
      io.err(`epipe: reading ${k.deadLetterTopic}: ${errorMessage(err)}\n`);
      failed = true;
    }
  }
  const e = config.elastic;
  if (e.enabled) {
    const index = deadLetterIndexName(e.index);
    try {
      const stored = await readDeadLetterIndex({
        ...elasticAccess(e),
        index: e.index,
        requestTimeoutMs: e.requestTimeoutMs,
      });
      for (const l of stored) {
        // The index keeps a letter's fields as the topic does, with null for a missing id.
        const letter: DeadLetter = { ...l, logId: l.logId ?? undefined, inodeId: l.inodeId ?? undefined };
        letters.push({
          origin: 'index',
          id: l.id,
          index,
          timestampMs: l.atMs,
          letter: deadLetterValue(letter, config.mysql.database, l.atMs),
        });
      }
    } catch (err) {
      io.err(`epipe: reading ${index}: ${errorMessage(err)}\n`);
      failed = true;
    }
  }
  return { letters, failed };
}

function list(letters: FoundLetter[], json: boolean, io: CliIo): number {
  const rows = letters.map((l) => ({
    origin: l.origin,
    id: l.id,
    stage: l.letter?.stage ?? null,
    logId: l.letter?.logId ?? null,
    inodeId: l.letter?.inodeId ?? null,
    failedAt: new Date(l.letter?.failedAtMs ?? l.timestampMs).toISOString(),
    reason: l.letter?.reason ?? `(unreadable record: ${l.unreadable})`,
  }));
  if (json) {
    io.out(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.out('no dead letters\n');
    return EXIT.ok;
  }
  io.out(
    `${'WHERE'.padEnd(6)} ${'ID'.padEnd(16)} ${'STAGE'.padEnd(13)} ${'LOG ID'.padEnd(10)} ${'INODE'.padEnd(10)} ${'FAILED AT'.padEnd(24)} REASON\n`,
  );
  for (const r of rows) {
    io.out(
      `${r.origin.padEnd(6)} ${r.id.padEnd(16)} ${String(r.stage ?? '-').padEnd(13)} ${String(r.logId ?? '-').padEnd(10)} ${String(r.inodeId ?? '-').padEnd(10)} ${r.failedAt.padEnd(24)} ${r.reason.replace(/\s+/g, ' ').slice(0, 120)}\n`,
    );
  }
  return EXIT.ok;
}

async function replay(
  config: EpipeConfig,
  ids: number[],
  wanted: (id: number) => FoundLetter[],
  io: CliIo,
): Promise<number> {
  const { mysql } = config;
  const pool = createPool(mysqlPoolOptions(mysql, { connectionLimit: 1 }));
  let code: number = EXIT.ok;
  try {
    for (const id of ids) {
      // A row refused by both sinks has two letters; one replay delivers it to both. Letters that
      // carry the row come first (an elasticsearch letter carries only the document).
      const found = wanted(id)
        .map((l) => l.letter!)
        .sort((a, b) => Number(a.stage === 'elasticsearch') - Number(b.stage === 'elasticsearch'));
      let outcome: ReplayOutcome;
      if (found.length === 0)
        outcome = { logId: id, kind: 'cannot', reason: 'no dead letter for this log id' };
      else outcome = await replayLetter(pool, mysql.logTable, found[0]!);
      io.out(`${describe(outcome)}\n`);
      if (outcome.kind === 'cannot') code = EXIT.failed;
    }
  } catch (err) {
    io.err(`epipe: replay failed: ${errorMessage(err)}\n`);
    code = EXIT.failed;
  } finally {
    await pool.end().catch(() => undefined);
  }
  return code;
}

function describe(o: ReplayOutcome): string {
  switch (o.kind) {
    case 'replayed':
      return `log id ${o.logId}: replayed as log id ${o.newLogId}`;
    case 'already':
      return `log id ${o.logId}: already replayed as log id ${o.newLogId} at ${new Date(o.atMs).toISOString()}; nothing written`;
    case 'cannot':
      return `log id ${o.logId}: not replayed: ${o.reason}`;
  }
}
