import { HOPSFS_MIX, parseMix } from '@epipe/workload';
import { numberFlag, parseArgs } from './args';
import { runGenerator } from './generator';
import { Progress } from './progress';
import { freshDatabase, stackEnv } from './stack';

const USAGE = `usage: node bench/dist/workload-cli.js [options]
  --database NAME     metadata database (default epipe_bench_workload)
  --fresh             drop and re-create it (migrations) first
  --project NAME      project name prefix (default bench)
  --writers N         concurrent writers per process (default 8)
  --processes N       writer processes; 0 = in this process (default 0)
  --rate N            operations/s over all writers; 0 = as fast as possible (default 0)
  --duration S        seconds (default 30), or
  --ops N             stop after N operations
  --mix k=w,...       weights over the HopsFS-like mix, e.g. read=50,create=10
  --seed N            (default 1)
  --no-log            the same operations without fs_log rows (logging-overhead baseline)
Connection settings come from EPIPE_MYSQL_* (source .stack/env).`;

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  if (flags.has('help')) {
    console.log(USAGE);
    return;
  }
  const stack = stackEnv();
  const database = flags.get('database') ?? 'epipe_bench_workload';
  if (flags.has('fresh')) await freshDatabase(stack, database);
  const operations = flags.has('ops') ? numberFlag(flags, 'ops', 0) : undefined;
  const seconds = numberFlag(flags, 'duration', operations ? 3_600 : 30);
  const progress = new Progress('workload', operations ?? seconds);
  let last = 0;
  let lastAt = Date.now();
  const result = await runGenerator(
    stack,
    {
      database,
      project: flags.get('project') ?? 'bench',
      writers: numberFlag(flags, 'writers', 8),
      processes: numberFlag(flags, 'processes', 0),
      ratePerSec: numberFlag(flags, 'rate', 0),
      durationMs: seconds * 1000,
      operations,
      mix: flags.has('mix') ? parseMix(flags.get('mix')!) : HOPSFS_MIX,
      seed: numberFlag(flags, 'seed', 1),
      logging: !flags.has('no-log'),
    },
    {
      onProgress: (ops, elapsedMs) => {
        const now = Date.now();
        const rate = ((ops - last) * 1000) / Math.max(1, now - lastAt);
        last = ops;
        lastAt = now;
        progress.update(operations ? ops : elapsedMs / 1000, `${ops} ops, ${rate.toFixed(0)} ops/s`);
      },
    },
  );
  progress.done(`${result.operations} ops (${result.refused} refused), ${result.opsPerSec.toFixed(0)} ops/s`);
  console.log(JSON.stringify(result));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
