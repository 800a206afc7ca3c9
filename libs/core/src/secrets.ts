/**
 * The last line of defence for secrets: every configured secret value is replaced in a string
 * (a log line, a status field) before it leaves the process, however it got there (a client's
 * error message, a URL, a logged object nobody thought of). Values shorter than MIN_LENGTH are
 * skipped: masking every "a" would make the logs unreadable and protect nothing.
 */
const MIN_LENGTH = 4;
export const SECRET_MASK = '[redacted]';

export type Scrubber = (text: string) => string;

export function secretScrubber(values: Iterable<string>): Scrubber {
  const needles = new Set<string>();
  for (const value of values) {
    if (value.length < MIN_LENGTH) continue;
    needles.add(value);
    // How the value looks inside a JSON string (a log line): quotes and backslashes escaped.
    needles.add(JSON.stringify(value).slice(1, -1));
    // How it looks in a URL's userinfo or query.
    needles.add(encodeURIComponent(value));
  }
  // Longest first, so a secret that contains another is masked whole.
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const needle of ordered) if (out.includes(needle)) out = out.split(needle).join(SECRET_MASK);
    return out;
  };
}
