import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

export interface DaemonProcess {
  child: ChildProcess;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash at an arbitrary instant. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Runs the built daemon (`dist/main.js run`) as a child process, its logs going to `logFile`.
 * `main` defaults to the main.js beside this built file; code that runs from the sources (jest)
 * passes the built one.
 */
export function startDaemon(
  env: Record<string, string>,
  logFile: string,
  main = join(__dirname, '..', 'main.js'),
): DaemonProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [main, 'run'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Two sources into one file: neither may end it (the other would then write after its end,
  // an unhandled stream error in the parent); it ends once both pipes have closed.
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  child.once('close', () => out.end());
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
