import { EpipeError } from './errors';

/**
 * Configuration fields, declared once by the stage that reads them: its type, environment
 * variable, default, bounds and meaning. The service composes every stage's declarations into its
 * schema (file sections, `epipe fields`, the loader) and derives its configuration type from
 * them; a stage's defaults are `defaultsOf` its declarations, so no value is written twice.
 */
export type FieldType = 'string' | 'int' | 'bool' | 'list';

export interface FieldDecl {
  type: FieldType;
  env: string;
  default: unknown;
  doc: string;
  /** Smallest allowed value of an int. */
  min?: number;
  /** The only allowed values of a string. */
  oneOf?: readonly string[];
  /**
   * A string's own rule, for values no list can enumerate (a duration): what the value should be
   * when it is wrong (the error says "expected" that), undefined when it is right.
   */
  check?: (value: string) => string | undefined;
  /** Never shown; may also come from a file: `<env>_FILE` or `<secrets.dir>/<path>`. */
  secret?: boolean;
}

export type FieldDecls = Record<string, FieldDecl>;

/** The value a declared field holds once loaded. */
export type FieldValue<F extends FieldDecl> = F extends { oneOf: readonly (infer O)[] }
  ? O
  : F['type'] extends 'int'
    ? number
    : F['type'] extends 'bool'
      ? boolean
      : F['type'] extends 'list'
        ? string[]
        : string;

export type FieldValues<F extends FieldDecls> = { -readonly [K in keyof F]: FieldValue<F[K]> };

/**
 * Declares a stage's fields. Checks each default against its own declaration at load time, so a
 * default that its bounds refuse fails every test run, not an operator's start.
 */
export function declareFields<const F extends FieldDecls>(fields: F): F {
  for (const [name, decl] of Object.entries(fields)) parseField(decl, decl.default, `${name} (default)`);
  return fields;
}

/** A stage's defaults: each declared field's default (lists copied, so callers may change them). */
export function defaultsOf<F extends FieldDecls>(fields: F): FieldValues<F> {
  const out: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(fields))
    out[name] = Array.isArray(decl.default) ? [...(decl.default as unknown[])] : decl.default;
  return out as FieldValues<F>;
}

/** The declared fields' values out of a wider object (a configuration section). */
export function pickFields<F extends FieldDecls>(fields: F, values: FieldValues<F>): FieldValues<F> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(fields)) out[name] = (values as Record<string, unknown>)[name];
  return out as FieldValues<F>;
}

/**
 * A raw value (from a JSON file: typed; from the environment: a string) as the field's type, or
 * a CONFIG_INVALID error that names `where` (the field and where its value came from) and the
 * expectation; a secret's value is never shown.
 */
export function parseField(decl: FieldDecl, raw: unknown, where: string): unknown {
  const fail = (expected: string): never => {
    const shown = decl.secret ? '[redacted]' : JSON.stringify(raw);
    throw new EpipeError('CONFIG_INVALID', `config ${where}: expected ${expected}, got ${shown}`);
  };
  switch (decl.type) {
    case 'string': {
      if (typeof raw !== 'string') return fail('a string');
      if (decl.oneOf && !decl.oneOf.includes(raw))
        fail(`one of ${decl.oneOf.map((v) => JSON.stringify(v)).join(', ')}`);
      const expected = decl.check?.(raw);
      if (expected !== undefined) fail(expected);
      return raw;
    }
    case 'int': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) return fail('an integer');
      if (decl.min !== undefined && n < decl.min) fail(`an integer >= ${decl.min}`);
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return fail('true or false');
    }
    case 'list': {
      if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return raw;
      if (typeof raw === 'string') {
        return raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      }
      return fail('a list of strings (or a comma-separated string)');
    }
  }
}
