import { describeLogAcknowledgerContract } from './testing/acknowledger-contract';
import { MemoryLogAcknowledger } from './testing/memory-acknowledger';

describeLogAcknowledgerContract('in memory', () => {
  const acker = new MemoryLogAcknowledger();
  let logId = 0;
  return Promise.resolve({
    acker,
    write(count: number) {
      const rows = Array.from({ length: count }, () => ({ logId: ++logId, commitTsMs: Date.now() }));
      acker.insert(rows);
      return Promise.resolve(rows);
    },
    close: () => Promise.resolve(),
  });
});
