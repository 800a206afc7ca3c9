import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../context';
import { log } from '../progress';
import { summarizeProfile, type ProfileSummary } from '../profile';
import { drainBacklog, type DrainRun, type Sinks } from './saturation';

export interface ProfileResult {
  sinks: Sinks;
  run: Omit<DrainRun, 'series'>;
  profile: ProfileSummary | null;
}

/** The daemon under `node --cpu-prof` while it drains a backlog: where its CPU time goes. */
export async function profileDaemon(ctx: BenchContext, sinks: Sinks, rows: number): Promise<ProfileResult> {
  const dir = join(ctx.rawDir, `profile-${ctx.run}-${sinks}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { series: _series, ...run } = await drainBacklog(ctx, sinks, rows, {
    cpuProfileDir: dir,
    label: `prof_${sinks}`,
  });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    ctx.notes.push(`profile (${sinks}): the daemon wrote no .cpuprofile (exit code ${run.exitCode})`);
    return { sinks, run, profile: null };
  }
  const profile = summarizeProfile(join(dir, file));
  log(
    `  profile (${sinks}): busy ${profile.busyMs} ms, idle ${profile.idleMs} ms; top: ` +
      profile.byComponent
        .slice(0, 4)
        .map((c) => `${c.name} ${c.pct}%`)
        .join(', '),
  );
  return { sinks, run, profile };
}
