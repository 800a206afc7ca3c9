import { silentLogger } from '@epipe/core';
import { findMissedRow } from './missed-rows';

describe('findMissedRow', () => {
  const ageMs = 60_000;
  const now = Date.now();
  const old = now - 2 * ageMs;
  function acker(rows: { logId: number; commitTsMs: number }[]) {
    return {
      deleteRows: () => Promise.resolve(0),
      oldestRows: () => Promise.resolve(rows),
    };
  }
  const reading = { highestSeenLogId: 10, lastChunkAtMs: now, waitingForBudget: false };

  it('finds an old row the binlog has moved past without bringing it', async () => {
    const deps = { acker: acker([{ logId: 5, commitTsMs: old }]), logger: silentLogger() };
    const missed = await findMissedRow(ageMs, deps, reading, () => new Set());
    expect(missed).toMatchObject({ code: 'SOURCE_MISSED_ROWS', retriable: true });
    expect(missed!.message).toContain('log row 5 ');
  });

  it('leaves alone rows in flight, young rows, and rows beyond what was read while the source is busy', async () => {
    const deps = {
      acker: acker([
        { logId: 5, commitTsMs: old },
        { logId: 6, commitTsMs: now },
        { logId: 11, commitTsMs: old },
      ]),
      logger: silentLogger(),
    };
    expect(await findMissedRow(ageMs, deps, reading, () => new Set([5]))).toBeNull();
  });

  it('finds a row beyond what was read once the source is idle, but not while it waits for the budget', async () => {
    const deps = { acker: acker([{ logId: 11, commitTsMs: old }]), logger: silentLogger() };
    const idle = { ...reading, lastChunkAtMs: now - ageMs };
    expect(await findMissedRow(ageMs, deps, idle, () => new Set())).toMatchObject({
      code: 'SOURCE_MISSED_ROWS',
    });
    expect(await findMissedRow(ageMs, deps, { ...idle, waitingForBudget: true }, () => new Set())).toBeNull();
  });
});
