// Validates Kubernetes objects (a JSON array on stdin) against the API's JSON schemas bundled in
// kubernetes-models (and the Prometheus operator's, for ServiceMonitor), offline. Prints one
// JSON array of problems. A separate ESM process because those packages are ESM-only and the
// unit tests run as CommonJS.
import { readFileSync } from 'node:fs';

const MODULES = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const obj of objects) {
  const where = `${obj.apiVersion}/${obj.kind} ${obj.metadata?.name}`;
  const module = MODULES[obj.apiVersion];
  if (!module) {
    problems.push(`${where}: no schema for apiVersion ${obj.apiVersion}`);
    continue;
  }
  const Model = (await import(module))[obj.kind];
  if (typeof Model !== 'function') {
    problems.push(`${where}: no schema for kind ${obj.kind}`);
    continue;
  }
  try {
    new Model(obj).validate();
  } catch (err) {
    problems.push(`${where}: ${err.message}`);
  }
}
process.stdout.write(JSON.stringify(problems));
