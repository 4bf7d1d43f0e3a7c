/**
 * The plan id: the lowercase hex SHA-256 of the plan's canonical JSON (RFC 8785, JSON
 * Canonicalization Scheme: sorted keys, ECMAScript number forms, no whitespace)
 * without its `planId` field. Any edit to a plan changes its id, so a party that
 * recomputes it on load knows it runs the plan the others run (they exchange ids when
 * they connect), and weights.bin, bound to the id, cannot be used with another plan.
 */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import { TfeError } from '../errors.js';

// a CommonJS module whose module.exports is the function (its .d.ts says `export default`)
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export function planDigest(plan: object): string {
  const { planId: _omit, ...rest } = plan as { planId?: unknown };
  const text = canonicalize(rest);
  if (text === undefined) throw new TfeError('E_PLAN', 'the plan cannot be put in canonical form');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The lowercase hex SHA-256 of weights.bin's bytes (the ring words, little-endian). */
export function weightsDigest(data: BigUint64Array): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}
