import type { ChildDaemon } from './child-daemon';

export interface ReadinessLog {
  /** Marks an instant (e.g. "sink down") to ask about the answers after it. */
  mark(label: string): void;
  /** Whether /readyz answered `status` between two marks (or from the first to now). */
  answered(status: number, from: string, to?: string): boolean;
  /** Whether /readyz went back to 200 after a 503, between two marks: readiness that flaps. */
  flapped(from: string, to: string): boolean;
  /** Every answer, for failure messages: "label: 200 x12, 503 x40 ...". */
  summary(): string;
  stop(): void;
}

/** Polls /readyz every 100 ms and keeps the answers with their times. */
export function watchReadiness(daemon: ChildDaemon): ReadinessLog {
  const samples: { at: number; status: number }[] = [];
  const marks = new Map<string, number>();
  let stopped = false;
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const status = await daemon.readyz();
      samples.push({ at: Date.now(), status });
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const running = loop();
  return {
    mark(label) {
      marks.set(label, Date.now());
    },
    answered(status, from, to) {
      const start = marks.get(from) ?? Number.POSITIVE_INFINITY;
      const end = to === undefined ? Number.POSITIVE_INFINITY : (marks.get(to) ?? Number.NEGATIVE_INFINITY);
      return samples.some((s) => s.at >= start && s.at <= end && s.status === status);
    },
    flapped(from, to) {
      const start = marks.get(from) ?? Number.POSITIVE_INFINITY;
      const end = marks.get(to) ?? Number.NEGATIVE_INFINITY;
      let notReady = false;
      for (const s of samples) {
        if (s.at < start || s.at > end) continue;
        if (s.status === 503) notReady = true;
        else if (s.status === 200 && notReady) return true;
      }
      return false;
    },
    summary() {
      const ordered = [...marks].sort((a, b) => a[1] - b[1]);
      const parts: string[] = [];
      let run: { status: number; n: number } | undefined;
      let next = 0;
      const flush = (): void => {
        if (run) parts.push(`${run.status}x${run.n}`);
        run = undefined;
      };
      for (const s of samples) {
        while (next < ordered.length && ordered[next]![1] <= s.at) {
          flush();
          parts.push(`[${ordered[next++]![0]}]`);
        }
        if (run && run.status === s.status) run.n++;
        else {
          flush();
          run = { status: s.status, n: 1 };
        }
      }
      flush();
      return parts.join(' ');
    },
    stop() {
      stopped = true;
      void running;
    },
  };
}
