import { NameNode } from '@epipe/metastore';
import { type WorkloadSetup, runWorkload, setupWorkload } from '@epipe/workload';
import {
  type ChildOptions,
  type FromChild,
  SamplingNameNode,
  type ToChild,
  workloadOptions,
} from './generator';
import { stackEnv, writerPool } from './stack';

/** One writer process of runProcesses: set up on 'setup', write on 'go', stop early on 'stop'. */
function send(message: FromChild): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
  const pool = writerPool(stackEnv(), { database: options.database, connectionLimit: options.writers + 2 });
  const controller = new AbortController();
  let nn: NameNode | undefined;
  let setup: WorkloadSetup | undefined;
  let operations = 0;
  const go = new Promise<void>((resolve) => {
    process.on('message', (m: ToChild) => {
      if (m.type === 'setup') {
        nn = new SamplingNameNode(pool, { logging: options.logging }, options.sampleEvery ?? 0, (sample) =>
          send({ type: 'sample', sample }),
        );
        setupWorkload(nn, options.project, options.writers).then(
          (s) => {
            setup = s;
            send({ type: 'ready' });
          },
          (err: unknown) => send({ type: 'error', message: String(err) }),
        );
      } else if (m.type === 'go') resolve();
      else controller.abort();
    });
  });
  await go;
  const ticker = setInterval(() => send({ type: 'progress', operations }), 500);
  try {
    const stats = await runWorkload(nn!, setup!, {
      ...workloadOptions(options),
      signal: controller.signal,
      onProgress: (s) => (operations = s.operations),
    });
    send({ type: 'done', stats });
  } finally {
    clearInterval(ticker);
    await pool.end();
    process.disconnect?.();
  }
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exitCode = 1;
  process.disconnect?.();
});
