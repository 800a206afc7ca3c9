import { readdirSync, readFileSync } from 'node:fs';

/** What /proc says about one process: its memory now and at peak, and the CPU it used. */
export interface ProcSample {
  atMs: number;
  rssBytes: number;
  /** VmHWM: the peak resident set since the process started. */
  peakRssBytes: number;
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function sampleProc(pid: number): ProcSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const kb = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return {
      atMs: Date.now(),
      rssBytes: kb('VmRSS') * 1024,
      peakRssBytes: kb('VmHWM') * 1024,
      cpuSeconds: (utime + stime) / TICKS_PER_SECOND,
    };
  } catch {
    return null; // the process is gone
  }
}

export interface ProcUsage {
  peakRssMiB: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** Average CPU over the window, in percent of one core. */
  cpuPercent: number;
}

/** Samples a process every `everyMs` until stopped; the last good sample survives its exit. */
export class ProcWatch {
  private first: ProcSample | null;
  private last: ProcSample | null;
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    everyMs = 250,
  ) {
    this.first = sampleProc(pid);
    this.last = this.first;
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): ProcSample | null {
    const s = sampleProc(this.pid);
    if (s) {
      this.first ??= s;
      this.last = s;
      this.peak = Math.max(this.peak, s.peakRssBytes, s.rssBytes);
    }
    return s;
  }

  stop(): ProcUsage {
    this.sample();
    clearInterval(this.timer);
    return this.usage();
  }

  usage(): ProcUsage {
    const first = this.first;
    const last = this.last;
    const wall = first && last ? (last.atMs - first.atMs) / 1000 : 0;
    const cpu = last ? last.cpuSeconds - (first?.cpuSeconds ?? 0) : 0;
    return {
      peakRssMiB: this.peak / 1024 / 1024,
      cpuSeconds: cpu,
      wallSeconds: wall,
      cpuPercent: wall > 0 ? (100 * cpu) / wall : 0,
    };
  }
}

/** Machine facts for the report. */
export function machineFacts(): { nproc: number; memoryGiB: number; cpuModel: string } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const nproc = cpuinfo.split('\n').filter((l) => l.startsWith('processor')).length;
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  return { nproc, memoryGiB: Math.round((memKb / 1024 / 1024) * 10) / 10, cpuModel: model };
}

/** The 1-minute load average: other work on a shared machine shows up here. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** One process as /proc/<pid>/stat gives it. */
export interface ProcTicks {
  ppid: number;
  pgrp: number;
  /** utime + stime: its own CPU. */
  ownTicks: number;
  /** ownTicks + cutime + cstime: also the CPU of the children it reaped. */
  ticks: number;
}

/** Every process's parent, group and CPU ticks, at one instant. */
function readAllProcs(): Map<number, ProcTicks> {
  const out = new Map<number, ProcTicks>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at ") ".
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ownTicks = Number(f[11]) + Number(f[12]);
      out.set(Number(entry), {
        ppid: Number(f[1]),
        pgrp: Number(f[2]),
        ownTicks,
        ticks: ownTicks + Number(f[13]) + Number(f[14]),
      });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU ticks of the whole machine and of every process group, at one instant. */
export interface CpuSnapshot {
  atMs: number;
  busyTicks: number;
  totalTicks: number;
  byGroup: Map<number, number>;
  byPid: Map<number, number>;
}

export function cpuSnapshot(): CpuSnapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  const total = line.slice(0, 8).reduce((s, v) => s + v, 0);
  const byGroup = new Map<number, number>();
  const byPid = new Map<number, number>();
  for (const [pid, p] of readAllProcs()) {
    byGroup.set(p.pgrp, (byGroup.get(p.pgrp) ?? 0) + p.ownTicks);
    byPid.set(pid, p.ownTicks);
  }
  return { atMs: Date.now(), busyTicks: total - idle, totalTicks: total, byGroup, byPid };
}

/**
 * Where the machine's CPU went between two snapshots, in percent of one core: the whole
 * machine, the given process groups (the stack's services) and single processes (the daemon).
 */
export function cpuBetween(
  a: CpuSnapshot,
  b: CpuSnapshot,
  groups: Record<string, number | null>,
  pids: Record<string, number | undefined>,
): Record<string, number> {
  const seconds = (b.atMs - a.atMs) / 1000;
  const pct = (ticks: number): number =>
    Math.round((100 * ticks) / TICKS_PER_SECOND / Math.max(0.001, seconds));
  const out: Record<string, number> = { machine: pct(b.busyTicks - a.busyTicks) };
  for (const [name, g] of Object.entries(groups))
    if (g !== null) out[name] = pct((b.byGroup.get(g) ?? 0) - (a.byGroup.get(g) ?? 0));
  for (const [name, p] of Object.entries(pids))
    if (p !== undefined) out[name] = pct((b.byPid.get(p) ?? 0) - (a.byPid.get(p) ?? 0));
  return out;
}

/**
 * Which processes are the bench's own: this process and its descendants (writers, daemons,
 * Kafka Connect), the stack's services (their process groups) and their descendants. PID 1 and
 * kernel threads (children of PID 2) are nobody's: their work is the kernel's or a reaper's.
 */
export function ownProcesses(
  procs: ReadonlyMap<number, ProcTicks>,
  self: number,
  serviceGroups: ReadonlySet<number>,
): { ours: Set<number>; nobody: Set<number> } {
  const ours = new Set<number>();
  const nobody = new Set<number>();
  const verdict = new Map<number, 'ours' | 'nobody' | 'foreign'>();
  const judge = (pid: number, depth: number): 'ours' | 'nobody' | 'foreign' => {
    const known = verdict.get(pid);
    if (known) return known;
    const p = procs.get(pid);
    let v: 'ours' | 'nobody' | 'foreign';
    if (pid === self || (p && serviceGroups.has(p.pgrp))) v = 'ours';
    else if (pid <= 2 || p?.ppid === 2) v = 'nobody';
    else if (!p || depth > 64) v = 'foreign';
    else v = judge(p.ppid, depth + 1) === 'ours' ? 'ours' : 'foreign';
    verdict.set(pid, v);
    return v;
  };
  for (const pid of procs.keys()) {
    const v = judge(pid, 0);
    if (v === 'ours') ours.add(pid);
    else if (v === 'nobody') nobody.add(pid);
  }
  return { ours, nobody };
}

/**
 * The CPU that processes other than the bench's own took, sampled every second: what the load
 * average was meant to show, without the bench's own load in it. On 2 cores the bench alone
 * (daemon, writers, MariaDB, Kafka, Elasticsearch) keeps the load average near or above 2, so the
 * load cannot tell a quiet machine from a shared one; this can. A foreign process's reaped
 * children count through its cutime; one that starts and ends between two samples is missed.
 */
export class ForeignCpu {
  private prev: { atMs: number; procs: Map<number, ProcTicks> };
  private foreignTicks = 0;
  private maxCores = 0;
  private readonly startedAtMs = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly serviceGroups: () => ReadonlySet<number>) {
    this.prev = { atMs: Date.now(), procs: readAllProcs() };
    this.timer = setInterval(() => this.sample(), 1_000);
    this.timer.unref();
  }

  private sample(): void {
    const now = { atMs: Date.now(), procs: readAllProcs() };
    const { ours, nobody } = ownProcesses(now.procs, process.pid, this.serviceGroups());
    let ticks = 0;
    for (const [pid, p] of now.procs) {
      if (ours.has(pid) || nobody.has(pid)) continue;
      const before = this.prev.procs.get(pid);
      ticks += before ? Math.max(0, p.ticks - before.ticks) : p.ticks;
    }
    const seconds = Math.max(0.001, (now.atMs - this.prev.atMs) / 1000);
    this.foreignTicks += ticks;
    this.maxCores = Math.max(this.maxCores, ticks / TICKS_PER_SECOND / seconds);
    this.prev = now;
  }

  /** Stops sampling: the mean over the whole window and the busiest second, in cores. */
  end(): { meanCores: number; maxCores: number } {
    clearInterval(this.timer);
    this.sample();
    const seconds = Math.max(0.001, (Date.now() - this.startedAtMs) / 1000);
    return {
      meanCores: Math.round((100 * this.foreignTicks) / TICKS_PER_SECOND / seconds) / 100,
      maxCores: Math.round(100 * this.maxCores) / 100,
    };
  }
}
