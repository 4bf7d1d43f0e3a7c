/**
 * The contract between the prediction service (runtime/serve/: HTTP, envelopes, batching)
 * and the leader's compute party (runtime/party/compute.ts): what a served batch is, what
 * comes back, and what the service needs to know about the deployment (readiness, the
 * shareholders' signed HPKE key statements, the material pool).
 *
 * Row layout (shared by the client, the envelopes and the served session): a request of
 * `rows` rows carries, for each input binding in `plan.inputs` order, its `rows · perRow`
 * u64 share words row-major (perRow = product of the binding's shape without dim 0);
 * the blocks are concatenated tensor after tensor. Outputs likewise, in `plan.outputs`
 * order. `rowWords` (envelope.ts RowLayout) is the sum of the perRow sizes.
 *
 * A served session is an ordinary prediction session of the plan in which the steps that
 * talk to the client (its `share` steps and the `reveal` steps to it) are skipped: each
 * shareholder starts from the input shares it decrypted itself and ends with its own
 * output shares, which it seals to the client's one-time response key (envelope.ts).
 * The leader only relays ciphertexts it cannot open.
 */
import type { Plan } from '../../src/plan/index.js';
import type { Role } from '../transport/types.js';

/** A shareholder's HPKE public key, signed with its TLS certificate key (runtime/serve/keys.ts makes and checks it). */
export interface SignedKeyStatement {
  readonly role: Role;
  /** The RFC 8785 canonical JSON of the statement (format tfe-hpke-key, role, planId, suite, publicKey, notAfter). */
  readonly statement: string;
  /** base64 ECDSA P-256 signature (IEEE P1363 form) over the statement's UTF-8 bytes. */
  readonly signature: string;
  /** The role's certificate (PEM), which must chain to the deployment CA. */
  readonly cert: string;
}

/** One client request inside a served batch (leader side). */
export interface ServedRequest {
  /** Rows of this request (its batch dimension). */
  readonly rows: number;
  /** The leader's own decrypted input share words: rows · rowWords, in the row layout above. */
  readonly own: BigUint64Array;
  /** Every other shareholder's sealed envelope (enc ‖ ct), which only that shareholder can open. */
  readonly sealed: ReadonlyMap<Role, Uint8Array>;
  /** The request's aad, `requestHash(header)` (32 bytes): the other shareholders open with it. */
  readonly aad: Uint8Array;
}

/** Requests that run as one session: their rows are concatenated and zero-padded to `padTo` rows. */
export interface ServedBatch {
  readonly requests: readonly ServedRequest[];
  /** The session's batch size (>= the sum of the requests' rows). */
  readonly padTo: number;
}

/** What one request of a served batch got back. */
export interface ServedResult {
  /** The leader's output share words for this request (rows · outRowWords), for the service to seal. */
  readonly own: BigUint64Array;
  /**
   * Every other shareholder's response envelope for this request (nonce ‖ ct, sealed by that
   * shareholder to the client's one-time key), or the error that shareholder reported for
   * it (E_CIPHERTEXT: its envelope did not decrypt; E_SHAPE: wrong length). A request with
   * an error must be answered with that error and no output.
   */
  readonly sealed: ReadonlyMap<Role, Uint8Array | { readonly code: string; readonly message: string }>;
}

export interface ServedOutcome {
  /** One result per request, in the batch's order. */
  readonly results: readonly ServedResult[];
  /** Online time of the session (ms). */
  readonly sessionMs: number;
  /** Time spent waiting for a bundle of material (ms; 0 when one was pooled). */
  readonly bundleWaitMs: number;
  /** Communication rounds of the session (as RunStats counts them). */
  readonly rounds: number;
  /** Bytes sent by each role in the session. */
  readonly bytes: Readonly<Record<Role, number>>;
}

/** Why the leader is not ready to serve (for /v2/health/ready), or ready. */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/** What the prediction service needs from the leader's compute party. */
export interface ServedCompute {
  readonly plan: Plan;
  /** Ready when weights are shared, links to the other shareholders and the material role are up, and every shareholder's key statement is known. */
  readiness(): Readiness;
  /** Every shareholder's signed key statement (the leader's own included), in `shareholders()` order; empty until all are known. */
  keyStatements(): readonly SignedKeyStatement[];
  /** Runs one served batch (leader only). Rejects with a TfeError when the session fails as a whole. */
  serve(batch: ServedBatch): Promise<ServedOutcome>;
  /** Asks the material role to keep `count` bundles pooled for each of these batch sizes. */
  prewarm(batches: readonly number[], count: number): void;
  /** Pooled bundles per batch size (for the material-pool gauge). */
  poolLevels(): ReadonlyMap<number, number>;
}
