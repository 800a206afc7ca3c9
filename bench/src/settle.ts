import type { StackEnv } from './stack';

/**
 * Elasticsearch merges segments in the background after indexing (ours from the previous phase,
 * or anyone's on the shared node); a merge competes with the next timed phase for the same 2
 * cores and disk. Waits until the node runs no merge (seen twice, half a second apart), at most
 * `timeoutMs`. Only waits: forcing merges or refreshing others' indices would disturb their tests.
 */
export async function settleElasticsearch(
  stack: StackEnv,
  timeoutMs = 30_000,
): Promise<{ settleMs: number; mergesRunning: number }> {
  const started = Date.now();
  let quiet = 0;
  let running = 0;
  while (Date.now() - started < timeoutMs) {
    running = await mergesRunning(stack);
    quiet = running === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return { settleMs: Date.now() - started, mergesRunning: 0 };
    await new Promise((r) => setTimeout(r, 500));
  }
  return { settleMs: Date.now() - started, mergesRunning: running };
}

/** Merges running on the node now; 0 when the node cannot be asked (the phase will say why it failed). */
async function mergesRunning(stack: StackEnv): Promise<number> {
  try {
    const response = await fetch(
      `${stack.esUrl}/_nodes/_local/stats/indices/merge?filter_path=nodes.*.indices.merges.current`,
    );
    if (!response.ok) return 0;
    const body = (await response.json()) as {
      nodes?: Record<string, { indices?: { merges?: { current?: number } } }>;
    };
    return Object.values(body.nodes ?? {}).reduce((s, n) => s + (n.indices?.merges?.current ?? 0), 0);
  } catch {
    return 0;
  }
}
