/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/restrict-template-expressions -- rendered manifests are untyped YAML; the schema check validates their shape */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../services/epipe/src/config/load';
import { FIELDS } from '../../services/epipe/src/config/schema';
import { ROUTES } from '../../services/epipe/src/runtime/http';

/**
 * Renders every overlay with `kubectl kustomize` (make setup installs kubectl) and checks the
 * result offline: the Kubernetes schemas, the restricted Pod Security level, and that probes,
 * ports, args, config and secret files match what the daemon really reads and serves.
 */
const ROOT = resolve(__dirname, '../..');
const OVERLAYS = ['dev', 'prod'];

type Obj = Record<string, any>;

function render(overlay: string): Obj[] {
  const out = execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy/kubernetes/overlays', overlay)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(out).map((d) => d.toJSON() as Obj);
}

function one(objects: Obj[], kind: string): Obj {
  const found = objects.filter((o) => o.kind === kind);
  expect(found.map((o) => `${kind}/${o.metadata.name}`)).toHaveLength(1);
  return found[0]!;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

describe.each(OVERLAYS)('deploy/kubernetes/overlays/%s', (overlay) => {
  const objects = render(overlay);
  const deployment = one(objects, 'Deployment');
  const pod = deployment.spec.template.spec as Obj;
  const container = (pod.containers as Obj[]).find((c) => c.name === 'epipe')!;
  const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
  const configMap = one(objects, 'ConfigMap');
  const secret = one(objects, 'Secret');
  const mountOf = (volumeName: string): string =>
    (container.volumeMounts as Obj[]).find((m) => m.name === volumeName)!.mountPath as string;
  const volumeFor = (path: string): { volume: Obj; key: string } => {
    const mount = (container.volumeMounts as Obj[]).find((m) => path.startsWith(`${m.mountPath}/`));
    expect(mount).toBeDefined();
    const volume = (pod.volumes as Obj[]).find((v) => v.name === mount!.name)!;
    return { volume, key: posix.relative(mount!.mountPath as string, path) };
  };

  it('validates against the Kubernetes (and Prometheus operator) schemas', () => {
    const problems = execFileSync(process.execPath, [join(__dirname, 'validate-k8s.mjs')], {
      input: JSON.stringify(objects),
      encoding: 'utf8',
    });
    expect(JSON.parse(problems)).toEqual([]);
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Secret',
        'Service',
        'ServiceAccount',
        ...(overlay === 'prod' ? ['ServiceMonitor'] : []),
      ].sort(),
    );
  });

  it('meets the restricted Pod Security level', () => {
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.hostPID ?? false).toBe(false);
    expect(pod.hostIPC ?? false).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(Number.isInteger(pod.securityContext.runAsUser) && pod.securityContext.runAsUser > 0).toBe(true);
    for (const c of [...(pod.containers as Obj[]), ...((pod.initContainers as Obj[] | undefined) ?? [])]) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.securityContext.privileged ?? false).toBe(false);
      expect(c.securityContext.capabilities.add ?? []).toEqual([]);
    }
    const allowed = ['configMap', 'secret', 'emptyDir', 'projected', 'downwardAPI', 'persistentVolumeClaim'];
    for (const v of pod.volumes as Obj[]) {
      expect(Object.keys(v).filter((k) => k !== 'name' && !allowed.includes(k))).toEqual([]);
    }
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(one(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  it("probes the daemon's own routes on the port its configuration serves", () => {
    const configPath = container.args[container.args.indexOf('--config') + 1] as string;
    const { volume, key } = volumeFor(configPath);
    expect(volume.configMap.name).toBe(configMap.metadata.name);
    const dir = mkdtempSync(join(tmpdir(), 'epipe-k8s-'));
    writeFileSync(join(dir, 'epipe.json'), configMap.data[key] as string);
    const plainEnv = Object.fromEntries(
      (container.env as Obj[])
        .filter((e) => FIELDS.some((f) => f.env === e.name))
        .map((e) => [e.name as string, e.value as string]),
    );
    const config = loadConfig({ file: join(dir, 'epipe.json'), env: plainEnv });
    const httpPort = (container.ports as Obj[]).find((p) => p.name === 'http')!;
    expect(httpPort.containerPort).toBe(config.http.port);
    expect(container.startupProbe.httpGet).toEqual({ path: ROUTES.live, port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: ROUTES.live, port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: ROUTES.ready, port: 'http' });
    // Liveness must outlast a restart delay (60 s) plus the stuck detection, not race them.
    expect(container.livenessProbe.periodSeconds * container.livenessProbe.failureThreshold).toBeLessThan(
      config.health.stuckAfterMs / 1000,
    );
    const service = one(objects, 'Service');
    expect(matches(service.spec.selector, podLabels)).toBe(true);
    expect(service.spec.ports).toEqual([
      expect.objectContaining({ targetPort: 'http', port: config.http.port }),
    ]);
    const policy = one(objects, 'NetworkPolicy');
    expect(matches(policy.spec.podSelector.matchLabels, podLabels)).toBe(true);
    expect(policy.spec.ingress.flatMap((r: Obj) => r.ports.map((p: Obj) => p.port))).toEqual([
      config.http.port,
    ]);
    if (overlay === 'prod') {
      const monitor = one(objects, 'ServiceMonitor');
      expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
      expect(monitor.spec.endpoints).toEqual([
        expect.objectContaining({ port: 'http', path: ROUTES.metrics }),
      ]);
    }
  });

  it('runs the daemon with its run command and reads secrets from files of the mounted Secret', () => {
    expect(container.args.slice(0, 2)).toEqual(['run', '--config']);
    for (const e of container.env as Obj[]) {
      if (!(e.name as string).startsWith('EPIPE_')) continue;
      const secretField = FIELDS.find((f) => f.secret && `${f.env}_FILE` === e.name);
      const plainField = FIELDS.find((f) => f.env === e.name);
      expect([e.name, Boolean(secretField ?? plainField)]).toEqual([e.name, true]);
      expect(plainField?.secret ?? false).toBe(false); // a secret never as a plain variable
      if (secretField) {
        const { volume, key } = volumeFor(e.value as string);
        expect(volume.secret.secretName).toBe(secret.metadata.name);
        expect(Object.keys(secret.data)).toContain(key);
      }
    }
    expect(container.envFrom ?? []).toEqual([]);
    expect(mountOf('secrets')).toBeDefined();
    // Placeholders only: nothing that looks like a real credential is committed.
    for (const value of Object.values(secret.data as Record<string, string>)) {
      expect(Buffer.from(value, 'base64').toString()).toMatch(/^placeholder-/);
    }
  });

  it('bounds memory and keeps V8 below the limit; disruption budget and replicas agree', () => {
    const toBytes = (q: string): number => {
      const m = /^(\d+)(Mi|Gi)$/.exec(q)!;
      return Number(m[1]) * (m[2] === 'Gi' ? 2 ** 30 : 2 ** 20);
    };
    const { requests, limits } = container.resources as Obj;
    expect(requests.cpu).toBeDefined();
    expect(toBytes(requests.memory as string)).toBeLessThanOrEqual(toBytes(limits.memory as string));
    const nodeOptions = (container.env as Obj[]).find((e) => e.name === 'NODE_OPTIONS')!.value as string;
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions)![1]);
    expect(heapMiB * 2 ** 20).toBeLessThan(toBytes(limits.memory as string) * 0.8);
    const pdb = one(objects, 'PodDisruptionBudget');
    expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    // A drain must always be possible: the budget leaves at least one pod to evict.
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });
});
