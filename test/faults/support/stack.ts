import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export type StackService = 'mariadb' | 'kafka' | 'elasticsearch';

const STACK = resolve(__dirname, '../../../deploy/stack.sh');

/** `EPIPE_STACK_SERVICES=<service> deploy/stack.sh down|up`: one service of the shared stack. */
export async function stack(command: 'up' | 'down', service: StackService): Promise<void> {
  const output: string[] = [];
  const code = await new Promise<number | null>((done, reject) => {
    const child = spawn('bash', [STACK, command], {
      env: { ...process.env, EPIPE_STACK_SERVICES: service },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    child.once('error', reject);
    child.once('close', done);
  });
  if (code !== 0) throw new Error(`stack.sh ${command} ${service} exited with ${code}:\n${output.join('')}`);
}

/**
 * Stops a service for a while and always starts it again, even when `during` fails, so a failed
 * scenario never leaves the shared stack without one of its services.
 */
export async function outage<T>(service: StackService, during: () => Promise<T>): Promise<T> {
  await stack('down', service);
  try {
    return await during();
  } finally {
    await stack('up', service);
  }
}
