/**
 * Typed errors with stable codes. Every error a user can see carries a code, a
 * one-line message naming what is wrong and where, and (when there is one) a hint
 * saying what to do. The CLI prints `error[CODE]: message` and the hint, never a
 * bare stack trace.
 */

/** The stable code of every error tfe reports (scripts may branch on it; the message may change). */
export type ErrorCode =
  | 'E_RANGE' // a value outside the representable fixed-point range
  | 'E_SHAPE' // shapes that do not match an op's contract
  | 'E_ARG' // a bad argument to an API call
  | 'E_BACKEND' // a ring backend that cannot be loaded or was misused
  | 'E_PROTOCOL' // a protocol invariant broken at run time (bad message, wrong role)
  | 'E_TRANSPORT' // a transport failure (peer gone, malformed frame)
  | 'E_FORMAT' // a model file that is corrupt, truncated or of the wrong format
  | 'E_UNSUPPORTED' // an op or feature the project does not support (yet)
  | 'E_IR' // an IR that fails verification
  | 'E_IO' // a file that cannot be read or written
  | 'E_PLAN' // a plan that fails its schema, version or verification
  | 'E_POLICY' // a plan that breaks the reveal policy (would disclose what it must not)
  | 'E_OVERLOAD' // a service that cannot take the request now (queue full, draining): retry later
  | 'E_TIMEOUT' // a request that did not finish within its deadline
  | 'E_CIPHERTEXT' // an encrypted envelope that does not decrypt or whose content is malformed
  | 'E_PLAINTEXT' // a plaintext input sent to a service that only takes encrypted shares
  | 'E_AUTH' // a request without a valid API key
  | 'E_RATE' // a request beyond its API key's rate limit: retry later
  | 'E_INTERNAL' // an unexpected failure inside the service (a bug: reported without details)
  | 'E_HTTP' // an HTTP request the service cannot take (unknown route or method, media type, size)
  | 'E_TRUST'; // a server key or certificate that does not verify against the deployment CA

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>(['E_RANGE', 'E_SHAPE', 'E_ARG', 'E_BACKEND', 'E_PROTOCOL', 'E_TRANSPORT', 'E_FORMAT', 'E_UNSUPPORTED', 'E_IR', 'E_IO', 'E_PLAN', 'E_POLICY', 'E_OVERLOAD', 'E_TIMEOUT', 'E_CIPHERTEXT', 'E_PLAINTEXT', 'E_AUTH', 'E_RATE', 'E_INTERNAL', 'E_HTTP', 'E_TRUST']);

/** Whether `s` is one of the error codes (for errors read back from a child process). */
export function isErrorCode(s: string): s is ErrorCode {
  return ERROR_CODES.has(s);
}

/** An error tfe reports: `code`, a one-line `message` naming what is wrong and where, and a `hint` when there is something to do. */
export class TfeError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'TfeError';
    this.code = code;
    this.hint = hint;
  }
}

/** `f()`, with the message of a TfeError it throws prefixed by `prefix` (code and hint kept): says whose input or which part failed. */
export function prefixErrors<T>(prefix: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TfeError) throw new TfeError(e.code, `${prefix}${e.message}`, e.hint);
    throw e;
  }
}

/** Throws a TfeError with code E_ARG unless `cond` holds. */
export function check(cond: boolean, code: ErrorCode, message: string | (() => string)): asserts cond {
  if (!cond) throw new TfeError(code, typeof message === 'string' ? message : message());
}
