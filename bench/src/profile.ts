import { readFileSync } from 'node:fs';
import { round } from '@epipe/harness';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileEntry {
  name: string;
  where: string;
  selfMs: number;
  /** Percent of the busy (non-idle) samples. */
  pct: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  topFunctions: ProfileEntry[];
  byComponent: ProfileEntry[];
}

/** Where a frame's code lives: a package, an epipe lib, Node.js itself, or V8. */
export function component(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8 garbage collector';
    if (functionName === '(program)') return 'V8/native (program)';
    if (functionName === '(idle)') return 'idle';
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (url.startsWith('node:')) return 'Node.js core';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!.startsWith('@epipe/') ? pkg[1]! : `npm: ${pkg[1]}`;
  const lib = /\/(libs|services)\/([^/]+)\//.exec(url);
  if (lib) return lib[1] === 'libs' ? `@epipe/${lib[2]}` : `service ${lib[2]}`;
  return url;
}

function shortUrl(url: string): string {
  const i = url.search(/(node_modules|libs|services)\//);
  return i >= 0 ? url.slice(i) : url;
}

/** Self time per function and per component, from a V8 .cpuprofile (node --cpu-prof). */
export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const hits = new Map<number, number>();
  if (profile.samples) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  const samples = [...hits.values()].reduce((s, v) => s + v, 0);
  const msPerSample = samples > 0 ? totalMs / samples : 0;
  const byFunction = new Map<string, { name: string; where: string; samples: number }>();
  const byComponent = new Map<string, number>();
  let idle = 0;
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const comp = component(url, functionName);
    if (comp === 'idle') {
      idle += count;
      continue;
    }
    byComponent.set(comp, (byComponent.get(comp) ?? 0) + count);
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : comp;
    const key = `${functionName}|${where}`;
    const entry = byFunction.get(key) ?? { name: functionName || '(anonymous)', where, samples: 0 };
    entry.samples += count;
    byFunction.set(key, entry);
  }
  const busy = samples - idle;
  const entry = (name: string, where: string, count: number): ProfileEntry => ({
    name,
    where,
    selfMs: round(count * msPerSample, 0),
    pct: round((100 * count) / Math.max(1, busy), 1),
  });
  return {
    busyMs: round(busy * msPerSample, 0),
    idleMs: round(idle * msPerSample, 0),
    topFunctions: [...byFunction.values()]
      .sort((a, b) => b.samples - a.samples)
      .slice(0, top)
      .map((e) => entry(e.name, e.where, e.samples)),
    byComponent: [...byComponent.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => entry(name, '', count)),
  };
}
