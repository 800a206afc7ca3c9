/**
 * What the machine was doing while a phase ran, and whether that disturbed it. The machine is
 * shared: another engineer's tests load the 2 cores, a fault suite restarts a service under us,
 * Elasticsearch may still be merging what someone indexed. Such a phase is marked, and the
 * targets table says "disturbed" instead of giving a verdict from it.
 */
export interface PhaseConditions {
  /** The 1-minute load average at the start, its highest sample during the phase, at the end. */
  load: { start: number; max: number; end: number };
  /** Services whose process changed (restarted by someone else) or vanished during the phase. */
  restarted: string[];
  /**
   * CPU taken by processes other than the bench's own (its children and the stack's services),
   * in cores: the mean over the phase and its busiest second. Absent in older results.
   */
  foreign?: { meanCores: number; maxCores: number };
  /** Before the timed part: how long Elasticsearch took to finish its merges; merges still running if it did not. */
  elastic?: { settleMs: number; mergesRunning: number };
}

/**
 * Other processes may take this much CPU on average (in cores) before a phase counts as
 * disturbed: a quiet machine's own services (its database servers and brokers outside the
 * stack, idle) take a few hundredths; someone's test run takes most of a core.
 */
export const FOREIGN_CPU_LIMIT_CORES = 0.25;

/**
 * Why a phase counts as disturbed; empty when it does not. Other work on the machine is judged
 * by the CPU other processes took; the load average judges it only in results without that
 * figure: on 2 cores the bench's own processes keep the load near or above the core count.
 */
export function disturbedReasons(c: PhaseConditions, cores: number): string[] {
  const reasons: string[] = [];
  if (c.foreign) {
    if (c.foreign.meanCores > FOREIGN_CPU_LIMIT_CORES)
      reasons.push(
        `other processes took ${c.foreign.meanCores.toFixed(2)} cores (> ${FOREIGN_CPU_LIMIT_CORES})`,
      );
  } else if (c.load.max > cores) reasons.push(`load average ${c.load.max.toFixed(1)} > ${cores} cores`);
  for (const s of c.restarted) reasons.push(`${s} restarted`);
  if (c.elastic && c.elastic.mergesRunning > 0)
    reasons.push(`Elasticsearch still merging (${c.elastic.mergesRunning}) when the phase started`);
  return reasons;
}

/** Anything measured that may have been disturbed. */
export interface Marked {
  disturbed?: string[];
}

/** The reasons of every input, each once: a figure derived from disturbed runs is disturbed. */
export function disturbedInputs(inputs: readonly (Marked | undefined)[]): string[] {
  const out = new Set<string>();
  for (const x of inputs) for (const reason of x?.disturbed ?? []) out.add(reason);
  return [...out];
}

export type Verdict = 'met' | 'not met' | 'disturbed' | 'not measured';

/**
 * A target's verdict: not measured when the value is missing, disturbed when any input was
 * (the measured value is still shown beside it), else met or not.
 */
export function verdict(ok: boolean | null, disturbed: readonly string[]): Verdict {
  if (ok === null) return 'not measured';
  if (disturbed.length > 0) return 'disturbed';
  return ok ? 'met' : 'not met';
}
