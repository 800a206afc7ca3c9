/**
 * A one-line progress bar on a terminal; on a pipe (CI, logs) a plain line every few seconds,
 * so the output stays readable there too.
 */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly startedAt = Date.now();
  private lastLineAt = 0;
  private lastText = '';

  constructor(
    private readonly label: string,
    /** The amount that means done (operations, seconds, rows); 0 when open-ended. */
    private readonly total: number,
    private readonly plainEveryMs = 5_000,
  ) {}

  update(done: number, detail = ''): void {
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar =
      this.total > 0
        ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)}% `
        : '';
    const text = `${this.label} ${bar}${elapsed.toFixed(0)}s ${detail}`.trimEnd();
    if (this.tty) {
      process.stderr.write(`\r${text.padEnd(this.lastText.length)}`);
      this.lastText = text;
    } else if (Date.now() - this.lastLineAt >= this.plainEveryMs) {
      process.stderr.write(`${text}\n`);
      this.lastLineAt = Date.now();
    }
  }

  done(detail = ''): void {
    const elapsed = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    const text = `${this.label} done in ${elapsed}s ${detail}`.trimEnd();
    process.stderr.write(this.tty ? `\r${text.padEnd(this.lastText.length)}\n` : `${text}\n`);
  }
}

export function log(text: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
}
