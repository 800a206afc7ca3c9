import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FIELDS } from '../../services/epipe/src/config/schema';

/**
 * deploy/Dockerfile read as the builder would (no Docker engine here): stages, base images,
 * what reaches the final image, its user, labels, port and entry point.
 */
const ROOT = resolve(__dirname, '../..');

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  body: Instruction[];
}

function parse(text: string): { args: Map<string, string>; stages: Stage[] } {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (!op || rest === undefined) throw new Error(`cannot read Dockerfile line: ${line}`);
    const instruction = { op: op.toUpperCase(), args: rest.trim() };
    if (instruction.op === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      stages.push({ from: image!, name: as?.toUpperCase() === 'AS' ? name : undefined, body: [] });
    } else if (stages.length === 0 && instruction.op === 'ARG') {
      const [k, v] = instruction.args.split('=');
      args.set(k!, v ?? '');
    } else {
      stages.at(-1)?.body.push(instruction);
    }
  }
  return { args, stages };
}

const resolveArgs = (s: string, args: Map<string, string>): string =>
  s.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, a: string | undefined, b: string | undefined) => args.get((a ?? b)!) ?? '',
  );

describe('deploy/Dockerfile', () => {
  const { args, stages } = parse(readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8'));
  const final = stages.at(-1)!;
  const all = (stage: Stage, op: string): string[] =>
    stage.body.filter((i) => i.op === op).map((i) => i.args);

  it('is multi-stage, every stage on a current Node LTS base pinned by digest', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      const image = resolveArgs(stage.from, args);
      expect(image).toMatch(/^node:(\d+)[\w.-]*@sha256:[0-9a-f]{64}$/);
      const major = Number(/^node:(\d+)/.exec(image)![1]);
      // Even majors become LTS; 24 is the active line (22 is in maintenance).
      expect(major % 2).toBe(0);
      expect(major).toBeGreaterThanOrEqual(24);
      const engines = (
        JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
      ).engines.node;
      expect(major).toBeGreaterThanOrEqual(Number(/(\d+)/.exec(engines)![1]));
    }
  });

  it('puts only built output and production dependencies in the final image', () => {
    const copies = all(final, 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    // Nothing from the build context: only from the build stage, which pruned dev dependencies.
    for (const c of copies) expect(c).toMatch(/--from=\w+/);
    const build = stages.find((s) => copies.some((c) => c.includes(`--from=${s.name}`)))!;
    const run = all(build, 'RUN').join(' && ');
    expect(run).toMatch(/npm prune --omit=dev/);
    expect(run).toMatch(/tsc -b services\/epipe/);
    // Of each workspace: package.json, dist and migrations only (no src, no tests).
    expect(run).toMatch(/cp -a "\$ws\/package.json" "\$ws\/dist"/);
    expect(all(final, 'RUN')).toEqual([]);
  });

  it('runs as a numeric non-root user the manifests agree with', () => {
    const users = all(final, 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0]!.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    const deployment = readFileSync(join(ROOT, 'deploy/kubernetes/base/deployment.yaml'), 'utf8');
    expect(deployment).toContain(`runAsUser: ${uid}`);
    expect(deployment).toContain(`runAsGroup: ${gid}`);
  });

  it('carries OCI labels', () => {
    const labels = all(final, 'LABEL').join(' ');
    for (const key of ['title', 'description', 'version', 'revision', 'created', 'licenses', 'base.name']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
  });

  it("starts the built daemon's run command and exposes its HTTP port", () => {
    expect(all(final, 'ENTRYPOINT')).toEqual(['["node", "services/epipe/dist/main.js"]']);
    expect(all(final, 'CMD')).toEqual(['["run"]']);
    const port = FIELDS.find((f) => f.path === 'http.port')!.default;
    expect(all(final, 'EXPOSE')).toEqual([String(port)]);
    // tsc emits main.js there (services/epipe/tsconfig.json: rootDir src, outDir dist).
    expect(existsSync(join(ROOT, 'services/epipe/src/main.ts'))).toBe(true);
  });

  it('has a .dockerignore that keeps local state, secrets and build output out of the context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['.git', '**/node_modules', '**/dist', '.stack', '.env', '.env.*']) {
      expect(ignored).toContain(entry);
    }
  });
});
