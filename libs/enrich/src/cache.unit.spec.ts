import { ByteBoundedCache, fill, fillNullable } from './cache';

const tenBytes = (): number => 10;

describe('ByteBoundedCache', () => {
  it('never holds more than its budget (one entry aside), whatever is inserted', () => {
    const cache = new ByteBoundedCache<number, string>(1_000, (_k, v) => 10 + v.length);
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      cache.set(i, 'x'.repeat(i % 50));
      if (i % 7 === 0) cache.get(i - 3);
      peak = Math.max(peak, cache.bytes);
    }
    expect(peak).toBeLessThanOrEqual(1_000 + 60);
    expect(cache.size).toBeGreaterThan(0);
  });

  it('keeps what is read while older entries are evicted', () => {
    const cache = new ByteBoundedCache<number, number>(200, tenBytes); // 10 entries per generation
    cache.set(0, 0);
    for (let i = 1; i <= 1_000; i++) {
      cache.set(i, i);
      expect(cache.get(0)).toBe(0);
    }
    expect(cache.has(1)).toBe(false);
    expect(cache.get(1_000)).toBe(1_000);
  });

  it('forgets an entry nobody reads once two generations went by', () => {
    const cache = new ByteBoundedCache<number, number>(200, tenBytes);
    cache.set(-1, -1);
    for (let i = 0; i < 21; i++) cache.set(i, i);
    expect(cache.get(-1)).toBeUndefined();
  });

  it('accounts replaced and deleted values in both generations', () => {
    const cache = new ByteBoundedCache<string, string>(10_000, (k, v) => k.length + v.length);
    cache.set('a', 'xxxx');
    cache.set('a', 'xx');
    expect(cache.bytes).toBe(3);
    cache.delete('a');
    expect(cache.bytes).toBe(0);
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', '');
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('caches null values as values (a remembered "not found")', () => {
    const cache = new ByteBoundedCache<number, string | null>(100, tenBytes);
    cache.set(1, null);
    expect(cache.has(1)).toBe(true);
    expect(cache.get(1)).toBeNull();
  });

  it('refuses a budget that is not positive', () => {
    expect(() => new ByteBoundedCache(0, tenBytes)).toThrow(/positive/);
  });
});

describe('fill and fillNullable', () => {
  it('load only the keys not cached, once each; fillNullable remembers those not found', async () => {
    const asked: number[][] = [];
    const load = (keys: number[]): Promise<Map<number, string>> => {
      asked.push(keys);
      return Promise.resolve(new Map(keys.filter((k) => k % 2 === 0).map((k) => [k, `v${k}`])));
    };
    const plain = new ByteBoundedCache<number, string>(1_000, tenBytes);
    const counts: [number, number][] = [];
    await fill(plain, [1, 2, 2, 3], load, (hits, misses) => counts.push([hits, misses]));
    await fill(plain, [1, 2], load, (hits, misses) => counts.push([hits, misses]));
    expect(asked).toEqual([[1, 2, 3], [1]]);
    expect(counts).toEqual([
      [0, 3],
      [1, 1],
    ]);
    const nullable = new ByteBoundedCache<number, string | null>(1_000, tenBytes);
    asked.length = 0;
    await fillNullable(nullable, [1, 2, 3], load);
    await fillNullable(nullable, [1, 2, 3], load);
    expect(asked).toEqual([[1, 2, 3]]);
    expect([1, 2, 3].map((k) => nullable.get(k))).toEqual([null, 'v2', null]);
  });
});
