import { invalid, validateName } from './paths';

/** HopsFS numbers the xattr namespaces this way; the table stores the number. */
export const XATTR_NAMESPACES = {
  user: 0,
  trusted: 1,
  security: 2,
  system: 3,
  raw: 4,
  provenance: 5,
} as const;

export type XattrNamespace = keyof typeof XATTR_NAMESPACES;

/** HopsFS refuses larger values: they must fit its row-size limit. */
export const MAX_XATTR_VALUE_BYTES = 13500;

export function namespaceCode(namespace: XattrNamespace | undefined): number {
  const code = XATTR_NAMESPACES[namespace ?? 'user'];
  if (code === undefined) throw invalid(`unknown xattr namespace ${JSON.stringify(namespace)}`);
  return code;
}

export function namespaceName(code: number): XattrNamespace {
  const entry = Object.entries(XATTR_NAMESPACES).find(([, c]) => c === code);
  if (!entry) throw invalid(`unknown xattr namespace code ${code}`);
  return entry[0] as XattrNamespace;
}

export function validateXattrName(name: string): void {
  validateName(name, 'xattr name');
}

export function xattrValueBuffer(value: string | Uint8Array): Buffer {
  if (typeof value !== 'string' && !(value instanceof Uint8Array))
    throw invalid('xattr value must be a string or bytes');
  const buffer = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  if (buffer.length > MAX_XATTR_VALUE_BYTES)
    throw invalid(`xattr value is ${buffer.length} bytes; the limit is ${MAX_XATTR_VALUE_BYTES} bytes`);
  return buffer;
}
