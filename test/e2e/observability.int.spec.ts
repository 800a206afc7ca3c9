import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { dispatch } from '../../services/epipe/src/cli';
import { memoryIo } from '../../services/epipe/src/cli/io';
import type { StatusReport } from '../../services/epipe/src/cli/status';
import { useFaultScenario } from '../faults/support/scenario';
import { daemonEnv } from '../support/daemon';
import { createProjectDirs } from '../support/db';

/**
 * The dashboard and the alert rules name only metrics a running daemon really exposes: a daemon
 * (the built one, as its own process) delivers a little work, then its /metrics is scraped and
 * every metric named in deploy/grafana/epipe.json and deploy/prometheus/alerts.yml is looked up.
 */
const ROOT = resolve(__dirname, '../..');
const METRIC = /\bepipe_[a-z0-9_]+\b/g;

function dashboardQueries(): string[] {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/epipe.json'), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
}

function alertQueries(): string[] {
  const rules = parse(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
    groups: { rules: { expr: string }[] }[];
  };
  return rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

describe('metrics named by the dashboard and the alerts', () => {
  const scenario = useFaultScenario('observability', { daemonEnv: { EPIPE_LOG_TABLE_POLL_MS: '300' } });

  it('are all exposed by a running daemon', async () => {
    const s = scenario();
    await s.daemon.startReady();
    const ctx = { user: 'alice' };
    await createProjectDirs(s.nameNode, 'obs', ['data']);
    for (let i = 0; i < 10; i++) await s.nameNode.create(`/Projects/obs/data/f${i}`, ctx);
    await s.quiesce();

    const res = await fetch(`http://127.0.0.1:${s.daemon.httpPort}/metrics`);
    const text = await res.text();
    const exposed = new Set(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => /^[a-zA-Z_:][\w:]*/.exec(l)![0]),
    );
    // A labelled counter with no sample yet (no restart happened) is declared all the same.
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
      exposed.add(name!);
      if (type === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(`${name}${suffix}`);
    }
    const named = (queries: string[]): string[] =>
      [...new Set(queries.flatMap((q) => q.match(METRIC) ?? []))].sort();
    const dashboard = named(dashboardQueries());
    const alerts = named(alertQueries());
    expect(dashboard.length).toBeGreaterThan(20);
    expect(alerts.length).toBeGreaterThan(5);
    expect(dashboard.filter((m) => !exposed.has(m))).toEqual([]);
    expect(alerts.filter((m) => !exposed.has(m))).toEqual([]);

    // A few values an operator reads first, after the work above.
    expect(await s.daemon.metric('epipe_leader')).toBe(1);
    expect(await s.daemon.metric('epipe_ready')).toBe(1);
    expect(text).toMatch(/^epipe_build_info\{version="\d+\.\d+\.\d+",nodejs="v[\d.]+"\} 1$/m);
    expect(await s.daemon.metric('epipe_ack_rows_deleted_total')).toBeGreaterThanOrEqual(12);
    expect(await s.daemon.metric('epipe_epoch_rows_count')).toBeGreaterThan(0);
    expect(await s.daemon.metric('epipe_lag_seconds_count')).toBeGreaterThanOrEqual(12);
    await new Promise((r) => setTimeout(r, 700)); // one more count of the (now empty) log table
    expect(await s.daemon.metric('epipe_log_rows_pending')).toBe(0);
    expect(await s.daemon.metric('epipe_sink_inflight_requests')).toBe(0);
    // No doubled prefix from the process metrics.
    expect([...exposed].filter((m) => m.startsWith('epipe_process_process_'))).toEqual([]);
    expect(exposed.has('epipe_process_resident_memory_bytes')).toBe(true);
  });

  it('epipe status reports the leader, the binlog position read, the backlog and the sinks', async () => {
    const s = scenario();
    const io = memoryIo(daemonEnv(s.names));
    const url = `http://127.0.0.1:${s.daemon.httpPort}`;
    expect(await dispatch(['status', '--json', '--url', url], io)).toBe(0);
    const report = JSON.parse(io.stdout) as StatusReport;
    expect(report.database).toMatchObject({ reachable: true, rowsPending: 0 });
    expect(report.database.lockHolder).toEqual(expect.any(Number));
    expect(report.daemon).toMatchObject({
      reachable: true,
      leader: true,
      ready: true,
      phase: 'running',
      sinks: { mysql: 'ok', kafka: 'ok', elasticsearch: 'ok' },
      lastError: null,
    });
    expect(report.daemon.binlog?.read).toMatch(/^[\w.-]+\.\d+:\d+(@\d+-\d+-\d+)?$/);
    expect(report.daemon.lagSeconds).toBeGreaterThan(0);
    const text = memoryIo(daemonEnv(s.names));
    expect(await dispatch(['status', '--url', url], text)).toBe(0);
    expect(text.stdout).toMatch(/^state +leader, running, ready$/m);
  });
});
