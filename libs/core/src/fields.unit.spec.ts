import { declareFields, defaultsOf, parseField, pickFields } from './fields';

describe('declared configuration fields', () => {
  const fields = declareFields({
    size: { type: 'int', env: 'X_SIZE', default: 10, min: 1, doc: 'size' },
    mode: { type: 'string', env: 'X_MODE', default: 'on', oneOf: ['on', 'off'], doc: 'mode' },
    tags: { type: 'list', env: 'X_TAGS', default: ['a'], doc: 'tags' },
    key: { type: 'string', env: 'X_KEY', default: '', secret: true, doc: 'key' },
  });

  it('gives the defaults, lists copied', () => {
    const d = defaultsOf(fields);
    expect(d).toEqual({ size: 10, mode: 'on', tags: ['a'], key: '' });
    d.tags.push('b');
    expect(defaultsOf(fields).tags).toEqual(['a']);
  });

  it('refuses a default that its own declaration refuses, naming the field', () => {
    expect(() => declareFields({ n: { type: 'int', env: 'X_N', default: 0, min: 1, doc: 'n' } })).toThrow(
      'config n (default): expected an integer >= 1, got 0',
    );
    expect(() =>
      declareFields({ m: { type: 'string', env: 'X_M', default: 'x', oneOf: ['a'], doc: 'm' } }),
    ).toThrow(/config m \(default\): expected one of "a"/);
  });

  it('parses environment strings and names the field of a wrong value, never showing a secret', () => {
    expect(parseField(fields.size, '42', 'size')).toBe(42);
    expect(parseField(fields.tags, 'a, b,,c', 'tags')).toEqual(['a', 'b', 'c']);
    expect(() => parseField(fields.size, '0', 'x.size (env X_SIZE)')).toThrow(
      'config x.size (env X_SIZE): expected an integer >= 1, got "0"',
    );
    expect(() => parseField(fields.key, 42, 'x.key')).toThrow(
      'config x.key: expected a string, got [redacted]',
    );
  });

  it("applies a string's own check, naming the field and what it expects", () => {
    const even = declareFields({
      len: {
        type: 'string',
        env: 'X_LEN',
        default: 'aa',
        check: (v: string) => (v.length % 2 === 0 ? undefined : 'an even number of characters'),
        doc: 'len',
      },
    });
    expect(parseField(even.len, 'abcd', 'x.len')).toBe('abcd');
    expect(() => parseField(even.len, 'abc', 'x.len (env X_LEN)')).toThrow(
      'config x.len (env X_LEN): expected an even number of characters, got "abc"',
    );
    expect(() => declareFields({ odd: { ...even.len, default: 'a' } })).toThrow(
      'config odd (default): expected an even number of characters, got "a"',
    );
  });

  it('picks the declared fields out of a wider section', () => {
    expect(pickFields(fields, { size: 1, mode: 'off', tags: [], key: 'k', other: true } as never)).toEqual({
      size: 1,
      mode: 'off',
      tags: [],
      key: 'k',
    });
  });
});
