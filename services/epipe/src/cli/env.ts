import { FIELDS } from '../config/schema';

/**
 * EPIPE_* variables that are not settings of the daemon but are read elsewhere in the project
 * (the local stack script, tests, demo and benchmark) or by the CLI itself.
 */
const OTHER_VARIABLES = [/^EPIPE_CONFIG$/, /^EPIPE_(STACK|DEMO|FAULT|TEST|BENCH|SOAK)(_|$)/];

/** Secrets may also come from a file named by `<variable>_FILE`. */
const KNOWN = new Set([
  ...FIELDS.map((f) => f.env),
  ...FIELDS.filter((f) => f.secret).map((f) => `${f.env}_FILE`),
]);

/** Every EPIPE_* variable set that no field declares, with the closest known name when close. */
export function unknownVariables(
  env: Record<string, string | undefined>,
): { name: string; suggestion: string | undefined }[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('EPIPE_') && env[name] !== undefined)
    .filter((name) => !KNOWN.has(name) && !OTHER_VARIABLES.some((re) => re.test(name)))
    .sort()
    .map((name) => ({ name, suggestion: closest(name) }));
}

function closest(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const known of KNOWN) {
    const distance = editDistance(name, known);
    if (!best || distance < best.distance) best = { name: known, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 6)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
