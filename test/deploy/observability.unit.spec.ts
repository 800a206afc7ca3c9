import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * The dashboard, the alert rules and the runbook agree with each other. (That every metric they
 * name exists is checked against a running daemon in test/e2e/observability.int.spec.ts.)
 */
const ROOT = resolve(__dirname, '../..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface Panel {
  id: number;
  title: string;
  gridPos: { x: number; w: number };
  targets: { refId: string; expr: string }[];
}
interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; runbook: string };
}

describe('deploy/grafana, deploy/prometheus and docs/runbook.md', () => {
  const dashboard = JSON.parse(read('deploy/grafana/epipe.json')) as { uid: string; panels: Panel[] };
  const rules = (
    parse(read('deploy/prometheus/alerts.yml')) as { groups: { rules: Rule[] }[] }
  ).groups.flatMap((g) => g.rules);
  const runbook = read('docs/runbook.md');

  it('every dashboard panel queries epipe metrics, with unique ids, within the grid', () => {
    expect(dashboard.uid).toBe('epipe');
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of dashboard.panels) {
      expect([panel.title, panel.targets.length > 0]).toEqual([panel.title, true]);
      for (const t of panel.targets) expect(t.expr).toMatch(/\bepipe_[a-z_]+/);
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  it('every alert has a severity, a summary and a runbook section that exists', () => {
    expect(rules.length).toBeGreaterThan(5);
    const headings = new Set([...runbook.matchAll(/^## (\S+)$/gm)].map((m) => m[1]!.toLowerCase()));
    for (const rule of rules) {
      expect(['critical', 'warning', 'info']).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      expect(rule.annotations.runbook).toBe(`docs/runbook.md#${rule.alert.toLowerCase()}`);
      expect([rule.alert, headings.has(rule.alert.toLowerCase())]).toEqual([rule.alert, true]);
    }
    // And the runbook documents no alert that does not exist.
    expect([...headings].sort()).toEqual(rules.map((r) => r.alert.toLowerCase()).sort());
  });

  it('each runbook section says what the alert means, how to confirm it and what to do', () => {
    const sections = runbook.split(/^## /m).slice(1);
    for (const section of sections) {
      const name = section.split('\n')[0];
      for (const part of ['**Means**', '**Confirm**', '**Do**'])
        expect([name, section.includes(part)]).toEqual([name, true]);
    }
  });

  it('every alert rule has a case in alerts.test.yml', () => {
    const tests = read('deploy/prometheus/alerts.test.yml');
    for (const rule of rules)
      expect([rule.alert, tests.includes(`alertname: ${rule.alert}`)]).toEqual([rule.alert, true]);
  });
});
