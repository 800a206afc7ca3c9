import {
  type BinlogPosition,
  type LogRow,
  type PoisonRow,
  type RawLogRow,
  errorMessage,
  estimateRowBytes,
  parseLogRow,
  rawLogId,
} from '@epipe/core';

export type ChunkOrigin = 'scan' | 'binlog';

/** A whole source transaction, or one part of a big one; parts of one transaction are consecutive. */
export interface TransactionChunk {
  rows: LogRow[];
  poison: PoisonRow[];
  /** True on the last (often only) chunk of a transaction, and on every scan page. */
  final: boolean;
  /** On final binlog chunks: where the transaction ends (the next event's offset) and its GTID. */
  position?: BinlogPosition;
  origin: ChunkOrigin;
  bytes: number;
}

/** Rows of one chunk in the making, parsed as they arrive so a bad row never throws later. */
export class ChunkBuffer {
  rows: LogRow[] = [];
  poison: PoisonRow[] = [];
  bytes = 0;

  get count(): number {
    return this.rows.length + this.poison.length;
  }

  add(parsed: ParsedRow): void {
    if ('row' in parsed) this.rows.push(parsed.row);
    else this.poison.push(parsed.poison);
    this.bytes += parsed.bytes;
  }

  take(origin: ChunkOrigin, final: boolean, position?: BinlogPosition): TransactionChunk {
    const chunk: TransactionChunk = {
      rows: this.rows,
      poison: this.poison,
      final,
      origin,
      bytes: this.bytes,
    };
    if (position) chunk.position = position;
    this.rows = [];
    this.poison = [];
    this.bytes = 0;
    return chunk;
  }
}

export type ParsedRow = ({ row: LogRow } | { poison: PoisonRow }) & { bytes: number };

/** Never throws: a row that does not parse becomes a PoisonRow carrying the reason. */
export function parseRaw(raw: RawLogRow): ParsedRow {
  try {
    const row = parseLogRow(raw);
    return { row, bytes: estimateRowBytes(row) };
  } catch (err) {
    const poison: PoisonRow = { logId: rawLogId(raw), raw, reason: errorMessage(err) };
    return { poison, bytes: estimateRawBytes(raw) };
  }
}

export function chunkOf(raws: RawLogRow[], origin: ChunkOrigin, final = true): TransactionChunk {
  const buffer = new ChunkBuffer();
  for (const raw of raws) buffer.add(parseRaw(raw));
  return buffer.take(origin, final);
}

/** Same scale as estimateRowBytes, for rows that did not parse (JSON.stringify fails on bigint). */
function estimateRawBytes(raw: RawLogRow): number {
  let bytes = 200;
  for (const value of Object.values(raw)) {
    if (typeof value === 'string') bytes += value.length * 2;
    else if (Buffer.isBuffer(value)) bytes += value.length;
    else bytes += 8;
  }
  return bytes;
}
