/**
 * A place in the binlog: file + offset, plus the MariaDB GTID of the transaction that ends there
 * when known. Comparable within one server's binlog sequence.
 */
export class BinlogPosition {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly gtid?: string,
  ) {}

  static parse(text: string): BinlogPosition {
    const match = /^([^:@]+):(\d+)(?:@(.+))?$/.exec(text.trim());
    if (!match)
      throw new Error(`not a binlog position: ${JSON.stringify(text)} (expected file:offset[@gtid])`);
    return new BinlogPosition(match[1]!, Number(match[2]), match[3]);
  }

  /** Orders by file sequence number, then offset. Files share a base name and a numeric suffix. */
  compare(other: BinlogPosition): number {
    const a = fileSequence(this.file);
    const b = fileSequence(other.file);
    if (a !== b) return a < b ? -1 : 1;
    return this.offset - other.offset;
  }

  toString(): string {
    return `${this.file}:${this.offset}${this.gtid ? `@${this.gtid}` : ''}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

function fileSequence(file: string): number {
  const match = /\.(\d+)$/.exec(file);
  return match ? Number(match[1]) : 0;
}
