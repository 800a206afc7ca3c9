import type { LogAcknowledger } from '../ack';

export interface LogTableWorld {
  readonly acker: LogAcknowledger;
  /** Commits `count` log rows (one transaction each) and returns them in log id order. */
  write(count: number): Promise<{ logId: number; commitTsMs: number }[]>;
  close(): Promise<void>;
}

/** One contract for every LogAcknowledger: the SQL one on MariaDB and the in-memory one. */
export function describeLogAcknowledgerContract(name: string, open: () => Promise<LogTableWorld>): void {
  describe(`LogAcknowledger contract: ${name}`, () => {
    let world: LogTableWorld;

    beforeAll(async () => {
      world = await open();
    });

    afterAll(async () => {
      await world?.close();
    });

    it('oldestRows: the lowest log ids first, with their commit times, at most `limit`', async () => {
      const rows = await world.write(4);
      expect(await world.acker.oldestRows(3)).toEqual(rows.slice(0, 3));
      expect(await world.acker.oldestRows(100)).toEqual(rows);
      await world.acker.deleteRows(rows.map((r) => r.logId));
    });

    it('deleteRows: counts the rows it removed; a replay or an unknown id removes nothing', async () => {
      const rows = await world.write(3);
      const ids = rows.map((r) => r.logId);
      expect(await world.acker.deleteRows([])).toBe(0);
      expect(await world.acker.deleteRows([ids[0]!, ids[1]!])).toBe(2);
      expect(await world.acker.deleteRows([ids[0]!, ids[1]!])).toBe(0);
      expect(await world.acker.deleteRows([ids[1]!, ids[2]!, ids[2]! + 1_000_000])).toBe(1);
      expect(await world.acker.oldestRows(100)).toEqual([]);
    });

    it('deleteRows: any number of ids in one call', async () => {
      const rows = await world.write(2);
      const last = rows[1]!.logId;
      // Far more ids than one statement takes, the real ones at both ends.
      const ids = [rows[0]!.logId, ...Array.from({ length: 12_000 }, (_, i) => last + 1 + i), last];
      expect(await world.acker.deleteRows(ids)).toBe(2);
      expect(await world.acker.oldestRows(100)).toEqual([]);
    });
  });
}
