// Lineage query latency and the coalescing reduction alone (`make bench` runs them as its
// lineage phase, with throughput with provenance on and off). Run: npx tsc -b bench && node
// bench/dist/lineage-bench.js [--artifacts N] [--edges N] [--queries N] [--depth N] [--keep].
// Needs the stack's Elasticsearch.
import { parseArgs } from 'node:util';
import { measureLineageQueries } from './phases/lineage';

const { values } = parseArgs({
  options: {
    artifacts: { type: 'string', default: '50000' },
    edges: { type: 'string', default: '200000' },
    queries: { type: 'string', default: '1000' },
    depth: { type: 'string', default: '3' },
    limit: { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
  },
});

measureLineageQueries({
  esUrl: process.env.EPIPE_ES_URL ?? 'http://127.0.0.1:9200',
  prefix: `bench_lineage_${Date.now().toString(36)}`,
  artifacts: Number(values.artifacts),
  edges: Number(values.edges),
  queries: Number(values.queries),
  depth: Number(values.depth),
  limit: Number(values.limit),
  keep: values.keep,
  log: (line) => console.log(line),
}).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
