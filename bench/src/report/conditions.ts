import type { BenchResults } from '../results';
import { ms, num, table } from './facts';

/** Load average and restarts by others, per phase. */
export function conditions(r: BenchResults): string[] {
  if (!r.phases?.length) return [];
  const out: string[] = [];
  out.push(
    '## Run conditions',
    '',
    `The 1-minute load average is sampled every second during each phase; a phase is disturbed when it went above ` +
      `the ${r.machine.nproc} cores, a service's process changed (a restart by someone else), or Elasticsearch was still ` +
      'merging after 30 s of waiting. On 2 cores the bench alone (daemon, writers, MariaDB, Kafka, Elasticsearch) can take ' +
      'the load near or above 2, so read "disturbed" with the load figures beside it.',
    '',
    table(
      [
        'phase',
        'seconds',
        'load average start → max → end',
        'services restarted meanwhile',
        'Elasticsearch settle',
        'disturbed',
      ],
      r.phases.map((p) => [
        p.phase,
        num(p.seconds),
        p.conditions
          ? `${num(p.conditions.load.start, 1)} → ${num(p.conditions.load.max, 1)} → ${num(p.conditions.load.end, 1)}`
          : `${num(p.loadAverage[0], 1)} → ${num(p.loadAverage[1], 1)}`,
        p.restarted.join(', ') || 'none',
        p.conditions?.elastic
          ? `${ms(p.conditions.elastic.settleMs)}${p.conditions.elastic.mergesRunning ? `, ${p.conditions.elastic.mergesRunning} merges still running` : ''}`
          : '',
        p.disturbed?.length ? p.disturbed.join('; ') : p.error ? `failed: ${p.error}` : 'no',
      ]),
    ),
    '',
  );
  return out;
}
