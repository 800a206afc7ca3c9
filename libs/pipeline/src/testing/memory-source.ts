import type { ChunkLike } from '@epipe/epoch';
import type { MemoryLogAcknowledger } from './memory-acknowledger';

/**
 * A log source in memory: yields `chunks` and counts them in `pulled`. With `hold` it then waits
 * until stopped, as a live source does; with `table`, each chunk's rows (poison too) are in the
 * log table before the pipeline sees them, as a writer's commit put them.
 */
export function memorySource(
  chunks: ChunkLike[],
  { hold = false, table }: { hold?: boolean; table?: MemoryLogAcknowledger } = {},
) {
  return {
    pulled: 0,
    async *read(signal: AbortSignal): AsyncIterable<ChunkLike> {
      for (const chunk of chunks) {
        if (signal.aborted) return;
        this.pulled++;
        table?.insert([
          ...chunk.rows,
          ...chunk.poison.flatMap((p) => (p.logId === undefined ? [] : [{ logId: p.logId, commitTsMs: 0 }])),
        ]);
        yield chunk;
      }
      if (hold) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    },
  };
}
