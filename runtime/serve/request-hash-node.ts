/**
 * The request hash (envelope.ts `requestHash`: SHA-256 of the RFC 8785 canonical JSON of the
 * request header, the aad of every envelope) computed with node:crypto on the leader.
 *
 * Why a second implementation: `requestHash` uses WebCrypto's `subtle.digest` so that it runs
 * in browsers too, and in Node that is an async job whose bookkeeping cost ~0.3 ms of main
 * thread CPU per call here (profiled through the HTTP service: the largest single cost per
 * request after garbage collection), against a few microseconds for `createHash`. The
 * canonical form is the same library's (canonicalize, RFC 8785), and the service's tests
 * check both give the same bytes.
 */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import { TfeError } from '../../src/errors.js';
import type { RequestHeader } from './envelope.js';

const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/** h = SHA-256(canonical JSON of the header), synchronously with node:crypto. */
export function requestHashNode(header: RequestHeader): Uint8Array {
  const json = canonicalize(header);
  if (json === undefined) throw new TfeError('E_ARG', 'request header cannot be canonicalized');
  return new Uint8Array(createHash('sha256').update(json, 'utf8').digest());
}
