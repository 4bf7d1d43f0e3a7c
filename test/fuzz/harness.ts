/**
 * The fuzz harness shared by the CI-sized tests (test/fuzz/*.test.ts) and the longer
 * run (`npm run bench -- fuzz`): a target is a fast-check arbitrary of cases and a
 * function that feeds one case to the code under test. Every case must end in success
 * or in ONE named error (a TfeError with a code and a non-empty message); anything else
 * fails the property: a plain Error / TypeError / RangeError, a case slower than the
 * per-case bound (an async case is cut off at the bound, a synchronous one is measured
 * after it returns), or peak RSS growing more than MAX_RSS_GROWTH_MB over the run's start.
 * A target may also refuse a result itself (a wrong acceptance) by throwing FuzzFailure.
 *
 * Seeds are fixed by default so CI is reproducible; TFE_FUZZ_SEED and TFE_FUZZ_RUNS
 * override the seed and the number of cases per target. fast-check prints the seed
 * and the shrunk counterexample on failure. TFE_FUZZ_LOG=FILE appends each case to
 * FILE before it runs, to find the case of a crash that kills the process (out of memory).
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { TfeError } from '../../src/errors.js';

/** A property violation found by a target's own oracle (e.g. a tampered plan accepted). */
export class FuzzFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuzzFailure';
  }
}

export interface FuzzTarget<C> {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<C>;
  /** The family of a case, for the tally (outcomes are counted per family). */
  label?(c: C): string;
  /** Runs one case; resolves on success, throws a TfeError for a named refusal. */
  run(c: C): Promise<void> | void;
  /** Frees what the target holds (temporary files). */
  close?(): void;
}

export interface FuzzOptions {
  readonly runs: number;
  readonly seed: number;
  /** Per-case bound in milliseconds. */
  readonly timeoutMs: number;
  /** Called with each case (as JSON text) before it runs: the watchdog of isolated.ts follows progress with it. */
  readonly onCase?: (text: string) => void;
}

/** What a run found: cases per outcome ('ok' or the error code), and per family and outcome. */
export interface FuzzTally {
  readonly target: string;
  cases: number;
  readonly outcomes: Record<string, number>;
  /** `family outcome` -> cases (only for targets that label their cases). */
  readonly byFamily: Record<string, number>;
  /** Slowest case in milliseconds. */
  slowestMs: number;
  wallMs: number;
  /** process.resourceUsage().maxRSS at the end, in MB (the process's peak). */
  peakRssMb: number;
}

/**
 * Peak RSS may grow at most this much during one target's run (MB): the largest
 * legitimate allocation of a case is a decoded model or input of a few MB; a case that
 * allocates from a lying size field (2^31 elements) would blow far past it.
 */
export const MAX_RSS_GROWTH_MB = 768;

const DEFAULT_SEED = 20261204;

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new TfeError('E_ARG', `${name}=${v} is not an integer`);
  return n;
}

/** Options for a CI run of `runs` cases (TFE_FUZZ_RUNS and TFE_FUZZ_SEED override). */
export function fuzzOptions(runs: number, timeoutMs = 5000): FuzzOptions {
  return { runs: envInt('TFE_FUZZ_RUNS') ?? runs, seed: envInt('TFE_FUZZ_SEED') ?? DEFAULT_SEED, timeoutMs };
}

function rssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}\n${e.stack ?? ''}`;
  return `non-error thrown: ${String(e)}`;
}

/** Runs one case to its outcome: 'ok', an error code, or throws FuzzFailure for anything else. */
async function outcomeOf<C>(t: FuzzTarget<C>, c: C, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzFailure(`case ran longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(() => t.run(c)), timeout]);
    return 'ok';
  } catch (e) {
    if (e instanceof FuzzFailure) throw e;
    if (e instanceof TfeError && typeof e.code === 'string' && e.code.startsWith('E_') && e.message.length > 0) return e.code;
    throw new FuzzFailure(`not a named error: ${describeError(e)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** A case as JSON (byte arrays as lists, bigints as strings). */
export function caseText(c: unknown): string {
  return JSON.stringify(c, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : typeof v === 'bigint' ? `${v}n` : v)) ?? String(c);
}

/** Runs `opts.runs` cases of `t` as a fast-check property; throws (with seed and counterexample) on the first bad case. */
export async function fuzz<C>(t: FuzzTarget<C>, opts: FuzzOptions): Promise<FuzzTally> {
  const tally: FuzzTally = { target: t.name, cases: 0, outcomes: {}, byFamily: {}, slowestMs: 0, wallMs: 0, peakRssMb: 0 };
  const rss0 = rssMb();
  const t0 = performance.now();
  const log = process.env.TFE_FUZZ_LOG;
  try {
    await fc.assert(
      fc.asyncProperty(t.arbitrary, async (c) => {
        if (log || opts.onCase) {
          const text = caseText(c);
          if (log) appendFileSync(log, `${t.name} ${text}\n`);
          opts.onCase?.(text);
        }
        const s = performance.now();
        const outcome = await outcomeOf(t, c, opts.timeoutMs);
        const ms = performance.now() - s;
        if (ms > opts.timeoutMs) throw new FuzzFailure(`case took ${ms.toFixed(0)} ms, over the ${opts.timeoutMs} ms bound`);
        const grown = rssMb() - rss0;
        if (grown > MAX_RSS_GROWTH_MB) throw new FuzzFailure(`peak RSS grew by ${grown.toFixed(0)} MB, over the ${MAX_RSS_GROWTH_MB} MB bound`);
        tally.cases++;
        tally.outcomes[outcome] = (tally.outcomes[outcome] ?? 0) + 1;
        if (t.label) {
          const k = `${t.label(c)} ${outcome}`;
          tally.byFamily[k] = (tally.byFamily[k] ?? 0) + 1;
        }
        tally.slowestMs = Math.max(tally.slowestMs, ms);
      }),
      { numRuns: opts.runs, seed: opts.seed, endOnFailure: false },
    );
  } catch (e) {
    // fast-check's report names the seed and the case; the property's own error is its cause
    const cause = e instanceof Error && e.cause !== undefined ? `\nCause: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}` : '';
    throw new Error(`fuzz ${t.name}: ${e instanceof Error ? e.message : String(e)}${cause}`, { cause: e });
  } finally {
    t.close?.();
  }
  tally.wallMs = performance.now() - t0;
  tally.peakRssMb = rssMb();
  return tally;
}

/** Byte-level mutations of a file's content, as data (so fast-check can shrink them). */
export type ByteMutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'splice'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'zero'; readonly at: number; readonly length: number }
  | { readonly op: 'u32'; readonly at: number; readonly value: number };

/** Sizes a length field might be flipped to: around 2^31, 2^32, and small lies. */
const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x10000000];

/** A position anywhere, or within the first or last KiB (headers, zip directories, HDF5 superblocks). */
const pos = fc.oneof(fc.nat(), fc.integer({ min: 0, max: 1023 }), fc.integer({ min: -1024, max: -1 }));

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: pos, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: pos, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: pos }),
  fc.record({ op: fc.constant('splice' as const), at: pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ op: fc.constant('zero' as const), at: pos, length: fc.integer({ min: 1, max: 4096 }) }),
  fc.record({ op: fc.constant('u32' as const), at: pos, value: fc.oneof(fc.constantFrom(...INTERESTING_U32), fc.nat()) }),
);

/** A position in [0, len): `at` >= 0 counts from the start, `at` < 0 from the end (-1 is the last byte). */
function position(at: number, len: number): number {
  return at >= 0 ? at % len : len - 1 - ((-at - 1) % len);
}

/** `bytes` with the mutations applied in order (positions taken modulo the current length). */
export function mutateBytes(bytes: Uint8Array, ms: readonly ByteMutation[]): Uint8Array {
  let b = bytes.slice();
  for (const m of ms) {
    if (b.length === 0) break;
    const at = position(m.at, b.length);
    switch (m.op) {
      case 'flip': b[at] ^= 1 << m.bit; break;
      case 'set': b[at] = m.value; break;
      case 'truncate': b = b.slice(0, at); break;
      case 'splice': {
        const out = new Uint8Array(b.length + m.bytes.length);
        out.set(b.subarray(0, at));
        out.set(m.bytes, at);
        out.set(b.subarray(at), at + m.bytes.length);
        b = out;
        break;
      }
      case 'zero': b.fill(0, at, Math.min(b.length, at + m.length)); break;
      case 'u32': {
        // a little- or big-endian length field, by the parity of the position
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (at + 4 <= b.length) v.setUint32(at, m.value >>> 0, at % 2 === 0);
        break;
      }
    }
  }
  return b;
}

/** Short JSON-ish description of a tally for logs. */
export function tallyLine(t: FuzzTally): string {
  const outcomes = Object.entries(t.outcomes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  return `${t.target}: ${t.cases} cases in ${(t.wallMs / 1000).toFixed(1)} s (${outcomes}); slowest ${t.slowestMs.toFixed(0)} ms; peak RSS ${t.peakRssMb.toFixed(0)} MB`;
}
