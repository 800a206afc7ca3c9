import { readFileSync } from 'node:fs';
import { num, pct, table } from './report/facts';
import { compareRatios } from './report/targets';
import { type BenchResults, normalizeResults } from './results';

/**
 * `node bench/dist/compare.js a/results.json b/results.json [--within 15]`: the ratios of the
 * targets table in two runs side by side, and whether they agree within the bound (larger /
 * smaller - 1): what tells a gain from noise. Exits 1 when a ratio is further apart.
 */
function main(): void {
  const [fileA, fileB] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const at = process.argv.indexOf('--within');
  const within = at > 0 ? Number(process.argv[at + 1]) : 15;
  if (!fileA || !fileB || !Number.isFinite(within)) {
    console.error('usage: node bench/dist/compare.js A/results.json B/results.json [--within 15]');
    process.exit(2);
  }
  const read = (f: string): BenchResults =>
    normalizeResults(JSON.parse(readFileSync(f, 'utf8')) as BenchResults);
  const [a, b] = [read(fileA), read(fileB)];
  const rows = compareRatios(a, b);
  console.log(
    table(
      ['ratio (targets table)', `run ${a.run}`, `run ${b.run}`, 'apart', `within ${within}%`],
      rows.map((r) => [
        r.target,
        num(r.a, 3),
        num(r.b, 3),
        pct(r.apart * 100),
        r.apart * 100 <= within ? 'yes' : 'NO',
      ]),
    ),
  );
  if (rows.some((r) => r.apart * 100 > within)) process.exit(1);
}

main();
