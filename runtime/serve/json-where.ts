/**
 * Where a JSON text stops being valid, as a line and column, without echoing the text.
 *
 * V8's `JSON.parse` messages sometimes quote the source (`Unexpected token 'x', "{"a": x…"
 * is not valid JSON`) and sometimes give only an offset, so neither can go into an error
 * about a file that may hold secrets. The first bad offset is found instead by a binary
 * search over prefixes: a prefix is "still valid" when it parses, or fails only because
 * the input ended (at its own length). Validity of prefixes is monotone (once a prefix
 * holds a syntax error, every longer one does), so the search takes log2(length) parses.
 */

/** Line and column (both from 1) of the first syntax error in `text`, and a short reason. */
export interface JsonSyntaxWhere {
  readonly line: number;
  readonly column: number;
  /** The parser's reason with any quoted source removed (e.g. "Expected ',' or '}' after property value"). */
  readonly reason: string;
}

function failure(text: string): Error | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

/** Whether `prefix` could still be the beginning of a valid JSON text. */
function validPrefix(prefix: string): boolean {
  const e = failure(prefix);
  if (e === undefined) return true;
  if (/Unexpected end of JSON input/.test(e.message)) return true;
  const m = /at position (\d+)/.exec(e.message);
  return m !== null && Number(m[1]) >= prefix.length;
}

/** The parser's reason without any quoted source text (V8 quotes up to ~10 characters of it). */
function reasonOf(message: string): string {
  // V8 quotes the source as `, "…"` or, mid-text, as `, ..."…"`: cut before either.
  const cut = message.search(/, (\.\.\.)?"|\s+in JSON\b| is not valid JSON/);
  const r = (cut >= 0 ? message.slice(0, cut) : message).trim();
  // "Unexpected token 'x'" names one character of the source; keep that, nothing longer.
  return r.length > 0 && r.length <= 80 ? r : 'not valid JSON';
}

/** Locates the first syntax error of `text`; undefined when `text` parses. */
export function jsonSyntaxWhere(text: string): JsonSyntaxWhere | undefined {
  const whole = failure(text);
  if (whole === undefined) return undefined;
  // Smallest k with text[0..k) not a valid prefix; the error is at offset k - 1.
  let lo = 0; // valid prefix length
  let hi = text.length; // invalid prefix length (the whole text fails)
  if (validPrefix(text)) {
    lo = text.length; // the text ends too early: the error is at its end
  } else {
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (validPrefix(text.slice(0, mid))) lo = mid;
      else hi = mid;
    }
  }
  const offset = Math.min(lo, text.length);
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1, reason: reasonOf(whole.message) };
}
