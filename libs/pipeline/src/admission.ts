import type { ByteBudget } from '@epipe/core';

/**
 * Waits until `bytes` of the budget are granted (true) or the signal aborts first (false; the
 * grant, when it comes later, is given back). It leaves nothing behind on the signal: the source
 * loop waits here for every chunk once the budget is spent, and a listener left per wait (with
 * the promise it would resolve, and through that the waiting chunk) grew memory with the input.
 */
export async function admit(budget: ByteBudget, bytes: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  const acquired = budget.acquire(bytes).then(() => true);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<boolean>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const granted = await Promise.race([acquired, aborted]);
    if (!granted) void acquired.then(() => budget.release(bytes));
    return granted;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
