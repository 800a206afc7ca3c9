import { BinlogTail } from './binlog-tail';
import type { TransactionChunk } from './chunk';
import type { SourceConfig } from './config';
import { openConnection } from './db';
import type { SourceDeps } from './deps';
import { ChunkQueue } from './queue';
import { openSnapshot, scanLogTable } from './recovery';
import { checkServer } from './server-check';

export interface LogSource {
  /**
   * Recovery (the log table as of a consistent snapshot), then the live binlog from exactly that
   * snapshot. Returns when the signal aborts; throws EpipeError('SOURCE_CONNECTION', retriable)
   * when the connection is lost (the caller restarts everything, which redoes recovery) and
   * EpipeError('SERVER_MISCONFIGURED') when the server cannot feed epipe.
   */
  read(signal: AbortSignal): AsyncIterable<TransactionChunk>;
}

export function createLogSource(config: SourceConfig, deps: SourceDeps): LogSource {
  const { logger, metrics } = deps;

  const count = (chunk: TransactionChunk): TransactionChunk => {
    metrics.rowsRead.inc({ origin: chunk.origin }, chunk.rows.length + chunk.poison.length);
    if (chunk.origin === 'binlog' && chunk.final) metrics.transactions.inc();
    return chunk;
  };

  async function* read(signal: AbortSignal): AsyncGenerator<TransactionChunk> {
    if (signal.aborted) return;
    const db = await openConnection(config);
    let snapshotRows = 0;
    let from;
    try {
      await checkServer(db, config, logger);
      const snapshot = await openSnapshot(db, config);
      from = snapshot.position;
      logger.info(
        { position: from.toString(), gtidBinlogPos: snapshot.gtidBinlogPos, upToLogId: snapshot.maxLogId },
        'recovery scan of the log table started',
      );
      for await (const page of scanLogTable(db, config, snapshot.maxLogId, signal)) {
        snapshotRows += page.rows.length + page.poison.length;
        yield count(page);
      }
    } finally {
      await db.close();
    }
    if (signal.aborted) return;
    logger.info({ rows: snapshotRows, from: from.toString() }, 'recovery scan done; tailing the binlog');

    const queue = new ChunkQueue(config.queueMaxBytes, {
      pause: () => tail.pause(),
      resume: () => tail.resume(),
    });
    const tail: BinlogTail = new BinlogTail(
      config,
      from,
      { chunk: (chunk) => queue.push(chunk), error: (err) => queue.fail(err) },
      { logger, metrics },
    );
    try {
      tail.start();
      for (;;) {
        const chunk = await queue.take(signal);
        if (!chunk) return;
        yield count(chunk);
      }
    } finally {
      await tail.stop();
    }
  }

  return { read };
}
