import { BinlogPosition } from './position';

describe('BinlogPosition', () => {
  it('serializes and parses back, with and without a GTID', () => {
    for (const text of ['mariadb-bin.000042:1234', 'mariadb-bin.000042:1234@0-1-77']) {
      expect(BinlogPosition.parse(text).toString()).toBe(text);
    }
    const p = BinlogPosition.parse(' bin.000003:4@0-1-9 ');
    expect([p.file, p.offset, p.gtid]).toEqual(['bin.000003', 4, '0-1-9']);
    expect(JSON.stringify({ at: new BinlogPosition('bin.000001', 7) })).toBe('{"at":"bin.000001:7"}');
  });

  it('refuses what is not file:offset[@gtid]', () => {
    for (const bad of ['', 'bin.000001', 'bin.000001:', 'bin.000001:x', ':12', 'bin.000001:-1']) {
      expect(() => BinlogPosition.parse(bad)).toThrow(/not a binlog position/);
    }
  });

  it('orders by the file sequence number, not its name as text, then by offset', () => {
    const at = (file: string, offset: number) => new BinlogPosition(file, offset);
    expect(at('bin.000009', 900).compare(at('bin.000010', 4))).toBeLessThan(0);
    expect(at('bin.999999', 4).compare(at('bin.1000000', 4))).toBeLessThan(0);
    expect(at('bin.000010', 4).compare(at('bin.000009', 900))).toBeGreaterThan(0);
    expect(at('bin.000010', 100).compare(at('bin.000010', 200))).toBeLessThan(0);
    expect(at('bin.000010', 100).compare(new BinlogPosition('bin.000010', 100, '0-1-5'))).toBe(0);
    const sorted = [at('b.000002', 5), at('b.000001', 9), at('b.000002', 1)].sort((a, b) => a.compare(b));
    expect(sorted.map(String)).toEqual(['b.000001:9', 'b.000002:1', 'b.000002:5']);
  });
});
