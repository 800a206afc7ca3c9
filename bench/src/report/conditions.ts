import type { BenchResults } from '../results';
import { FOREIGN_CPU_LIMIT_CORES } from '../conditions';
import { ms, num, table } from './facts';

/** Load average, other processes' CPU and restarts by others, per phase. */
export function conditions(r: BenchResults): string[] {
  if (!r.phases?.length) return [];
  const out: string[] = [];
  out.push(
    '## Run conditions',
    '',
    'Every second during each phase the bench samples the 1-minute load average and the CPU that processes ' +
      "other than its own took (its own: the bench, its children — writers, daemons, Kafka Connect — and the stack's " +
      `services). A phase is disturbed when other processes took more than ${FOREIGN_CPU_LIMIT_CORES} cores on average, ` +
      "a service's process changed (a restart by someone else), or Elasticsearch was still merging after 30 s of " +
      `waiting. The load average is shown, not judged: on ${r.machine.nproc} cores the bench alone keeps it near or ` +
      'above the core count (older results without the CPU figure were judged by it).',
    '',
    table(
      [
        'phase',
        'seconds',
        'load average start → max → end',
        'other processes, cores (mean / busiest second)',
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
        p.conditions?.foreign
          ? `${num(p.conditions.foreign.meanCores, 2)} / ${num(p.conditions.foreign.maxCores, 2)}`
          : 'not measured',
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
