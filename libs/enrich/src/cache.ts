/**
 * A map bounded in (estimated) bytes that forgets what was not used for a while.
 *
 * Two generations instead of an exact LRU list: entries are written to the young one; a read
 * that finds an entry there costs one Map lookup and nothing else (an exact LRU reorders on
 * every hit, which was a fifth of the enricher's busy time on a large backlog). When the young
 * generation has used half the budget it becomes the old one and the previous old one is
 * dropped whole; an old entry read again moves to the young one. So what was read or written
 * during the last half-budget of insertions survives, and the total never exceeds the budget
 * by more than one entry.
 */
export class ByteBoundedCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private youngBytes = 0;
  private oldBytes = 0;
  private readonly generationBytes: number;

  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (key: K, value: V) => number,
  ) {
    if (!(maxBytes > 0)) throw new RangeError(`cache budget must be positive, got ${maxBytes}`);
    this.generationBytes = maxBytes / 2;
  }

  /** Estimated bytes held now. */
  get bytes(): number {
    return this.youngBytes + this.oldBytes;
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  /** Values are never undefined: undefined means "not cached". */
  get(key: K): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const aged = this.old.get(key);
    if (aged === undefined) return undefined;
    this.old.delete(key);
    this.oldBytes -= this.sizeOf(key, aged);
    this.insertYoung(key, aged);
    return aged;
  }

  set(key: K, value: V): void {
    const previous = this.young.get(key);
    if (previous !== undefined) {
      this.youngBytes += this.sizeOf(key, value) - this.sizeOf(key, previous);
      this.young.set(key, value);
      this.rotateIfFull();
      return;
    }
    this.deleteOld(key);
    this.insertYoung(key, value);
  }

  delete(key: K): void {
    const value = this.young.get(key);
    if (value !== undefined) {
      this.young.delete(key);
      this.youngBytes -= this.sizeOf(key, value);
    }
    this.deleteOld(key);
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
    this.youngBytes = 0;
    this.oldBytes = 0;
  }

  private insertYoung(key: K, value: V): void {
    this.young.set(key, value);
    this.youngBytes += this.sizeOf(key, value);
    this.rotateIfFull();
  }

  private deleteOld(key: K): void {
    const value = this.old.get(key);
    if (value === undefined) return;
    this.old.delete(key);
    this.oldBytes -= this.sizeOf(key, value);
  }

  private rotateIfFull(): void {
    if (this.youngBytes <= this.generationBytes) return;
    this.old = this.young;
    this.oldBytes = this.youngBytes;
    this.young = new Map();
    this.youngBytes = 0;
  }
}

/**
 * Rough V8 costs, for budgets rather than accounting: a Map entry (hash slot, key and value
 * words), a small object's header and fields, a string's header and characters (two bytes
 * each when not Latin-1; assumed for all, to stay on the safe side).
 */
export const ENTRY_BYTES = 48;
export const OBJECT_BYTES = 24;
export const FIELD_BYTES = 8;

export function stringBytes(value: string | null): number {
  return value === null ? 0 : 24 + 2 * value.length;
}

/** The size of an entry keyed by a number (no key bytes beyond the entry's), by its value. */
export const numberKeyed =
  <V>(valueBytes: (v: V) => number) =>
  (_key: number, value: V): number =>
    ENTRY_BYTES + valueBytes(value);

/** Told how many distinct keys a fill found cached and how many it had to load. */
export type Counted = (hits: number, misses: number) => void;

/** Loads, in one call, the keys the cache does not hold; keys `load` does not find stay uncached. */
export async function fill<K, V>(
  cache: ByteBoundedCache<K, V>,
  keys: K[],
  load: (keys: K[]) => Promise<Map<K, V>>,
  count?: Counted,
): Promise<void> {
  const unique = [...new Set(keys)];
  const missing = unique.filter((k) => !cache.has(k));
  count?.(unique.length - missing.length, missing.length);
  if (missing.length === 0) return;
  for (const [k, v] of await load(missing)) cache.set(k, v);
}

/** Like fill, but remembers "not found" too, so an unknown key is not asked for again and again. */
export function fillNullable<K, V>(
  cache: ByteBoundedCache<K, V | null>,
  keys: K[],
  load: (keys: K[]) => Promise<Map<K, V>>,
  count?: Counted,
): Promise<void> {
  const loadOrNull = async (missing: K[]): Promise<Map<K, V | null>> => {
    const found = await load(missing);
    return new Map(missing.map((k) => [k, found.get(k) ?? null]));
  };
  return fill(cache, keys, loadOrNull, count);
}
