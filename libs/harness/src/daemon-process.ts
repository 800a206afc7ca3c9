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

/** The built daemon; `npx tsc -b` (every make target that runs it) builds it. */
export const DAEMON_MAIN = join(__dirname, '..', '..', '..', 'services', 'epipe', 'dist', 'main.js');

export interface StartOptions {
  /** The daemon's entry point; DAEMON_MAIN unless given. */
  main?: string;
  /** Options for node itself, e.g. a CPU profile (`--cpu-prof`). */
  nodeArgs?: string[];
}

/**
 * Runs the built daemon (`main.js run`) as a child process with `env` over this process's
 * environment, its stdout and stderr going to `logFile`. The one way the demo, the benchmark and
 * the fault scenarios start it, so a kill is a real crash and its memory is its own.
 */
export function startDaemon(
  env: Record<string, string>,
  logFile: string,
  options: StartOptions = {},
): DaemonProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.main ?? DAEMON_MAIN, 'run'], {
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
