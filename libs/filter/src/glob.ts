/**
 * Path globs: `*` matches inside one path segment, `**` any number of whole segments
 * (including none), `?` one character. `/Projects/*\/Models/**` matches every model file and
 * the Models directory itself.
 */
export function compileGlob(glob: string): RegExp {
  if (!glob.startsWith('/')) throw new Error(`path glob must be absolute: ${JSON.stringify(glob)}`);
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const atEnd = i + 2 === glob.length;
      const slashAfter = glob[i + 2] === '/';
      if (glob[i - 1] === '/' && (atEnd || slashAfter)) {
        // "/**" or "/**/": zero or more segments.
        re = re.slice(0, -1) + (atEnd ? '(?:/.*)?' : '(?:/[^/]+)*/');
        i += atEnd ? 1 : 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}
