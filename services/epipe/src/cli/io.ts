/** What a command may touch of the outside world; tests pass an in-memory one. */
export interface CliIo {
  /** Results: written to standard output as given (add the newline). */
  out(text: string): void;
  /** Diagnostics, warnings and usage on errors: standard error. */
  err(text: string): void;
  env: Record<string, string | undefined>;
}

/** A subcommand: its own arguments (after its name) in, an exit code out. */
export type Command = (args: string[], io: CliIo) => Promise<number>;

/** Exit codes: 0 done, 1 failed at run time, 2 wrong usage or configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
  };
}

/** Collects what a command writes, for tests. */
export function memoryIo(
  env: Record<string, string | undefined> = {},
): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    env,
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
  };
  return io;
}
