import { readFileSync } from 'node:fs';
import { type DaemonProcess, freePort, startDaemon } from '@epipe/harness';

// Scenarios that pick their own ports import it from here.
export { freePort };

/**
 * The daemon as its own process (so SIGKILL is a real crash and RSS is its own), on a fixed free
 * HTTP port, with its peak RSS sampled over all its lifetimes. Every process it started is killed
 * by `kill()`; tests call it in afterAll so no daemon outlives a failed test.
 */
export class ChildDaemon {
  private current: DaemonProcess | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private peakBytes = 0;
  starts = 0;

  private constructor(
    private readonly env: Record<string, string>,
    readonly logFile: string,
    readonly httpPort: number,
  ) {}

  static async create(env: Record<string, string>, logFile: string): Promise<ChildDaemon> {
    const port = await freePort();
    return new ChildDaemon(
      { ...env, EPIPE_HTTP_PORT: String(port), EPIPE_HTTP_HOST: '127.0.0.1' },
      logFile,
      port,
    );
  }

  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  get running(): boolean {
    const c = this.current?.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  /** Highest VmHWM seen in any lifetime, in bytes. */
  get peakRssBytes(): number {
    this.sample();
    return this.peakBytes;
  }

  start(): DaemonProcess {
    if (this.running) throw new Error('the daemon is already running');
    const daemon = startDaemon(this.env, this.logFile);
    this.current = daemon;
    this.starts++;
    clearInterval(this.sampler);
    this.sampler = setInterval(() => this.sample(), 100);
    this.sampler.unref();
    return daemon;
  }

  /** Starts the daemon and waits until its /readyz says 200. */
  async startReady(timeoutMs?: number): Promise<void> {
    this.start();
    await this.waitReady(timeoutMs);
  }

  /** SIGKILL: a crash at an arbitrary instant. */
  async kill(): Promise<void> {
    clearInterval(this.sampler);
    this.sample();
    await this.current?.kill();
  }

  /** SIGTERM: drain and exit; resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.sample();
    const code = await this.current?.stop();
    clearInterval(this.sampler);
    return code ?? null;
  }

  async waitReady(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the daemon exited before it was ready; see ${this.logFile}`);
      if ((await this.readyz()) === 200) return;
      await sleepMs(100);
    }
    throw new Error(`the daemon was not ready within ${timeoutMs} ms; see ${this.logFile}`);
  }

  /** /readyz status, or 0 when nothing answers. */
  async readyz(): Promise<number> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.httpPort}/readyz`, {
        signal: AbortSignal.timeout(2_000),
      });
      await res.text();
      return res.status;
    } catch {
      return 0;
    }
  }

  /**
   * Sum of a metric's samples whose labels include `labels` (Prometheus text format). A metric
   * the daemon does not declare at all is an error, not 0: a renamed or missing metric must
   * fail the check that reads it instead of passing it.
   */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${this.httpPort}/metrics`, {
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    // A histogram's series (_count, _sum, _bucket) are declared under the histogram's name.
    const family = name.replace(/_(count|sum|bucket)$/, '');
    const declared = (n: string): boolean => text.split('\n').some((line) => line.startsWith(`# TYPE ${n} `));
    if (!declared(name) && !declared(family)) {
      throw new Error(`the daemon exposes no metric ${name}`);
    }
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
      if (!m || m[1] !== name) continue;
      const ls = m[2] ?? '';
      if (Object.entries(labels).every(([k, v]) => ls.includes(`${k}="${v}"`))) sum += Number(m[3]);
    }
    return sum;
  }

  private sample(): void {
    const pid = this.pid;
    if (pid === undefined || !this.running) return;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
      if (hwm) this.peakBytes = Math.max(this.peakBytes, Number(hwm[1]) * 1024);
    } catch {
      // The process is gone between the check and the read.
    }
  }
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
