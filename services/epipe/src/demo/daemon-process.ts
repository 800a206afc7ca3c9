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

/** Runs the built daemon (`dist/main.js run`) as a child process, its logs going to `logFile`. */
export function startDaemon(env: Record<string, string>, logFile: string): DaemonProcess {
  const main = join(__dirname, '..', 'main.js');
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [main, 'run'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
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
