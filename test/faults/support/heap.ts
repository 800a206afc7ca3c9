import { WebSocket } from 'undici';

interface Reply {
  id: number;
  result?: { result?: { value?: unknown } };
  error?: { message: string };
}

/**
 * The V8 heap a process still holds: a full garbage collection through its inspector, then
 * `heapUsed`. Without the collection the reading includes whatever garbage V8 has not yet
 * collected, which depends on how busy the process was (young generation grown, old generation
 * not yet marked), not on what it keeps. The process must run with `--inspect=host:port`.
 */
export async function liveHeapBytes(inspectPort: number): Promise<number> {
  const targets = (await (
    await fetch(`http://127.0.0.1:${inspectPort}/json/list`, { signal: AbortSignal.timeout(5_000) })
  ).json()) as { webSocketDebuggerUrl?: string }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${inspectPort}`);
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot open the inspector at ${url}`)), {
      once: true,
    });
  });
  let nextId = 0;
  const waiting = new Map<number, (reply: Reply) => void>();
  ws.addEventListener('message', (event) => {
    const reply = JSON.parse(String(event.data)) as Reply;
    waiting.get(reply.id)?.(reply);
  });
  const call = (method: string, params: object = {}): Promise<Reply> => {
    const id = ++nextId;
    const answered = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector ${method}: no answer`)), 30_000);
      waiting.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.error) reject(new Error(`inspector ${method}: ${reply.error.message}`));
        else resolve(reply);
      });
    });
    ws.send(JSON.stringify({ id, method, params }));
    return answered;
  };
  try {
    // Twice: the first collection can leave what only finalizers of the first released.
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const reply = await call('Runtime.evaluate', {
      expression: 'process.memoryUsage().heapUsed',
      returnByValue: true,
    });
    const value = reply.result?.result?.value;
    if (typeof value !== 'number') throw new Error(`inspector: heapUsed is ${JSON.stringify(value)}`);
    return value;
  } finally {
    ws.close();
  }
}
