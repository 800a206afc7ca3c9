import { BinlogPosition, EpipeError, type RawLogRow } from '@epipe/core';
import { ChunkBuffer, parseRaw, type TransactionChunk } from './chunk';

export interface ChunkLimits {
  chunkMaxRows: number;
  chunkMaxBytes: number;
}

/**
 * Turns the binlog's event groups into transaction chunks. The server writes a transaction to the
 * binlog only when it commits, so a big one can be streamed in parts before its commit marker
 * arrives and memory stays bounded by the chunk limits whatever its size. (Two exceptions end in
 * rollback() or are ignored: a ROLLBACK group that mixed engines, and an XA PREPARE.)
 */
export class TransactionAssembler {
  private open = false;
  private gtid: string | undefined;
  private ignoring = false;
  private buffer = new ChunkBuffer();
  private partsEmitted = 0;

  constructor(
    private readonly limits: ChunkLimits,
    private readonly emit: (chunk: TransactionChunk) => void,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  get inTransaction(): boolean {
    return this.open;
  }

  /**
   * A group starts (MariaDB GTID event, MySQL GTID event, or a BEGIN query). `ignore` marks a
   * group whose rows must not be delivered from the binlog (an XA PREPARE: not yet committed).
   */
  begin(gtid?: string, options: { ignore?: boolean } = {}): void {
    if (this.open && this.holdsRows()) {
      // A group ended without a commit marker we recognise; its rows are durable, deliver them.
      this.warn(`transaction ${this.gtid ?? '(no gtid)'} ended without a commit marker`);
      this.finish(undefined);
    }
    if (!this.open) {
      this.gtid = undefined;
      this.ignoring = false;
    }
    this.open = true;
    // MySQL sends a GTID event and then BEGIN: the BEGIN must keep the GTID.
    if (gtid !== undefined) this.gtid = gtid;
    if (options.ignore) this.ignoring = true;
  }

  rows(raws: readonly RawLogRow[]): void {
    if (!this.open) this.begin();
    if (this.ignoring) return;
    for (const raw of raws) {
      const parsed = parseRaw(raw);
      if (
        this.buffer.count > 0 &&
        (this.buffer.count + 1 > this.limits.chunkMaxRows ||
          this.buffer.bytes + parsed.bytes > this.limits.chunkMaxBytes)
      ) {
        this.emit(this.buffer.take('binlog', false));
        this.partsEmitted++;
      }
      this.buffer.add(parsed);
    }
  }

  /** The group's commit marker: `file:offset` is where the next group starts. */
  commit(file: string, nextOffset: number): void {
    if (!this.open) return;
    this.finish(new BinlogPosition(file, nextOffset, this.gtid));
  }

  /**
   * The group was rolled back. Parts already handed out cannot be taken back: throw so the
   * caller restarts, and the consumer drops the unfinished transaction with everything in flight.
   */
  rollback(): void {
    const delivered = this.partsEmitted > 0;
    const gtid = this.gtid;
    this.reset();
    if (delivered) {
      throw new EpipeError(
        'SOURCE_CONNECTION',
        `transaction ${gtid ?? '(no gtid)'} was rolled back after part of it was delivered; restarting the source`,
        { retriable: true },
      );
    }
  }

  /** Forget an open group that will never be completed (the stream stopped or restarted). */
  reset(): void {
    this.open = false;
    this.gtid = undefined;
    this.ignoring = false;
    this.buffer = new ChunkBuffer();
    this.partsEmitted = 0;
  }

  private holdsRows(): boolean {
    return this.buffer.count > 0 || this.partsEmitted > 0;
  }

  private finish(position: BinlogPosition | undefined): void {
    // A transaction without log rows is no event; parts emitted always end with a final chunk.
    if (this.holdsRows()) this.emit(this.buffer.take('binlog', true, position));
    this.reset();
  }
}
