import { parseArgs } from './args';
import { parseDebezium, parseEpipe, type Received } from './consumer';
import { parseMetrics } from './daemon';
import { analyzeRestart } from './phases/lag';
import { PLANS, planLoads } from './plan';
import { component } from './profile';
import { lineChart } from './report/svg';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('command line', () => {
  it('reads --flag value, --flag=value, bare flags and positionals', () => {
    const { flags, positional } = parseArgs(['run', '--rate', '500', '--mix=read=5', '--no-log', '--fresh']);
    expect(Object.fromEntries(flags)).toEqual({
      rate: '500',
      mix: 'read=5',
      'no-log': 'true',
      fresh: 'true',
    });
    expect(positional).toEqual(['run']);
  });
});

describe('the daemon metrics', () => {
  it('keeps label sets and skips comments', () => {
    const m = parseMetrics(
      '# HELP x\nepipe_ack_rows_deleted_total 1200\nepipe_sink_events_total{sink="kafka"} 3\nbad line x\n',
    );
    expect(m.get('epipe_ack_rows_deleted_total')).toBe(1200);
    expect(m.get('epipe_sink_events_total{sink="kafka"}')).toBe(3);
    expect(m.size).toBe(2);
  });
});

describe('records of both producers', () => {
  it('reads epipe file events by event id', () => {
    expect(parseEpipe(json({ eventId: 'db/7', commitTsMs: 5 }))).toEqual({ id: 'db/7', commitTsMs: 5 });
    expect(parseEpipe(json({ schema: 'other' }))).toBeNull();
  });

  it('reads Debezium inserts and snapshot reads, with or without the schema envelope', () => {
    const row = { log_id: 9, commit_ts_ms: 123 };
    expect(parseDebezium(json({ op: 'c', after: row }))).toEqual({ id: '9', commitTsMs: 123 });
    expect(parseDebezium(json({ payload: { op: 'r', after: row } }))).toEqual({ id: '9', commitTsMs: 123 });
    expect(parseDebezium(json({ op: 'd', before: row, after: null }))).toBeNull();
  });
});

describe('offered loads', () => {
  it('replaces loads the writers cannot reach by one full-speed run, and says so', () => {
    const notes: string[] = [];
    const loads = planLoads(PLANS.quick, 5_000, 1, 1_000, notes);
    expect(loads.map((l) => l.rate)).toEqual([200, 500, 0]);
    expect(loads[2]!.label).toMatch(/writers max/);
    expect(notes).toHaveLength(2);
  });

  it('keeps reachable fractions of saturation', () => {
    const loads = planLoads(PLANS.quick, 1_000, 1, 2_000, []);
    expect(loads.map((l) => l.rate)).toEqual([200, 500, 500, 800, 0]);
    expect(loads.at(-1)!.label).toBe('writers max');
  });
});

describe('recovery after a kill', () => {
  it('finds the first second from which lag is back to steady', () => {
    const killAt = 100_000;
    const records: Received[] = [];
    const add = (commit: number, lag: number): void => {
      records.push({
        id: String(records.length),
        commitTsMs: commit,
        receivedAtMs: commit + lag,
        duplicate: false,
      });
    };
    for (let t = 90_000; t < killAt; t += 10) add(t, 50); // steady: 50 ms
    for (let t = killAt; t < 104_000; t += 10) add(t, 104_500 - t); // held back while down, delivered at 104.5 s
    for (let t = 104_500; t < 115_000; t += 10) add(t, 50);
    const r = analyzeRestart(records, {
      startedAt: 88_000,
      killAt,
      restartAt: 103_000,
      readyAt: 104_000,
      writersDoneAt: 115_000,
      rate: 100,
      outageMs: 3_000,
    });
    expect(r.steadyP95Ms).toBe(50);
    expect(r.killToSteadyMs).toBe(5_000); // the second that starts at 105 s
    expect(r.restartToSteadyMs).toBe(2_000);
    expect(r.maxLagMs).toBe(4_500);
  });
});

describe('where profile time goes', () => {
  it('names packages, epipe libs, Node.js and V8', () => {
    expect(component('file:///w/node_modules/kafkajs/src/x.js', 'f')).toBe('npm: kafkajs');
    expect(component('file:///w/node_modules/@elastic/transport/x.js', 'f')).toBe('npm: @elastic/transport');
    expect(component('file:///w/libs/enrich/dist/lru.js', 'get')).toBe('@epipe/enrich');
    expect(component('file:///w/services/epipe/dist/main.js', 'f')).toBe('service epipe');
    expect(component('node:internal/buffer', 'f')).toBe('Node.js core');
    expect(component('', '(garbage collector)')).toBe('V8 garbage collector');
    expect(component('', '(idle)')).toBe('idle');
  });
});

describe('plots', () => {
  it('draws every series, escapes names, and survives empty series', () => {
    const svg = lineChart({
      title: 'a < b',
      xLabel: 'x',
      yLabel: 'y',
      logX: true,
      series: [
        {
          name: 'one & two',
          points: [
            [10, 0.5],
            [100, 1],
          ],
        },
        { name: 'empty', points: [] },
      ],
    });
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('a &lt; b');
    expect(svg).toContain('one &amp; two');
    expect(svg.match(/<path /g)).toHaveLength(1);
  });
});
