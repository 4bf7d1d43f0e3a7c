/**
 * Control messages between parties (frames of kind `control`, JSON payloads, validated
 * by zod on receipt): how sessions are opened and announced, how the dealer's bundles
 * of material are announced and consumed, and how a session's end and statistics
 * reach its input role. Shares never travel here: only ids, sizes and timings.
 *
 * Flow of a prediction (Pond): the client sends `open` to server0 (the leader); the
 * leader picks a bundle of dealer material made for that batch size (or asks the
 * dealer to `make` one and waits for its `bundle` announcement), tells server1
 * `session`, tells the dealer `consume` (so it refills its pool) and answers the
 * client `accepted`; all run the plan's steps; each server ends with `stats` to the
 * client. A setup (the model owner sharing its weights) is the same with purpose
 * `setup`, and server1 reports `done` to the leader, which answers `ready`. A material
 * role that restarted says so in its seeds (`masks: false`); before the next prediction
 * the leader has it make a setup bundle and tells server1 `remask` (runtime/party/remask.ts).
 *
 * Serving (issue 14, runtime/party/served.ts): each non-leader shareholder sends the leader
 * its signed HPKE key statement (`hpke`) whenever their link comes up; a served batch is a
 * `session` with `served` (no client connection: its envelopes ride in the session's intake
 * frames); the leader's `prewarm` asks the material role to keep bundles pooled per batch size.
 */
import { z } from 'zod';
import { TfeError } from '../../src/errors.js';

const Purpose = z.enum(['setup', 'predict']);
const Id = z.string().regex(/^[0-9]{1,20}$/); // u64 as a decimal string
const Batch = z.number().int().min(1).max(1 << 20);
/** A job id (runtime/party/rendezvous.ts): what the participants of one prediction agree on out of band. */
export const JobId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'a job id: 1 to 64 of A-Z a-z 0-9 . _ : -');

/** Most requests one served session carries (a served batch has at most its batch size of rows, each request >= 1). */
export const MAX_SERVED_REQUESTS = 4096;
/** Most batch sizes one `prewarm` names, and most bundles it asks to keep per size. */
export const MAX_PREWARM_SIZES = 64;
export const MAX_PREWARM_COUNT = 64;

export const ControlSchema = z.discriminatedUnion('type', [
  // `masks`: whether the material role holds the weight masks of the servers' setup (false after it restarted: runtime/party/remask.ts)
  z.object({ type: z.literal('seed'), epoch: z.number().int().nonnegative(), seed: z.string().regex(/^[0-9a-f]{32}$/), masks: z.boolean().optional() }),
  // batch 0: an output-only participant of a prediction with several roles asks for "the providers' batch";
  // `job`: the participants of one prediction name the same job, so that concurrent predictions of the same roles never pair across jobs
  z.object({ type: z.literal('open'), request: z.number().int().nonnegative(), purpose: Purpose, batch: z.union([z.literal(0), Batch]), job: JobId.optional() }),
  // `batch`: the session's batch (what an output-only participant that asked for 0 runs at)
  z.object({ type: z.literal('accepted'), request: z.number().int().nonnegative(), session: Id, batch: Batch.optional() }),
  z.object({ type: z.literal('refused'), request: z.number().int().nonnegative(), code: z.string(), message: z.string().max(2000), hint: z.string().max(2000).optional() }),
  // `served`: a served batch (runtime/party/served.ts): the input role `peer` is not connected; the
  // session's intake frames carry, per request of `rows[i]` rows, its aad and the recipient's
  // sealed envelope of `sizes[i]` bytes (0: the leader found it malformed and forwards nothing)
  z.object({
    type: z.literal('session'), session: Id, bundle: Id, epoch: z.number().int().nonnegative(), batch: Batch, purpose: Purpose, peer: z.string(),
    // every input and output role of a prediction with several (src/plan/participants.ts); absent: `peer` alone
    peers: z.array(z.string().max(64)).min(2).max(64).optional(),
    served: z.object({
      rows: z.array(Batch).min(1).max(MAX_SERVED_REQUESTS),
      sizes: z.array(z.number().int().nonnegative().max(2 ** 40)).min(1).max(MAX_SERVED_REQUESTS),
    }).optional(),
  }),
  z.object({ type: z.literal('make'), purpose: Purpose, batch: Batch }),
  z.object({ type: z.literal('bundle'), bundle: Id, epoch: z.number().int().nonnegative(), purpose: Purpose, batch: Batch, offlineMs: z.number().nonnegative(), bytes: z.number().int().nonnegative() }),
  z.object({ type: z.literal('consume'), bundle: Id }),
  // an input role tells each compute role but the leader which of its connections a session uses
  z.object({ type: z.literal('join'), session: Id }),
  // the leader tells the other compute roles to re-mask the weights they hold with the material role's setup bundle (runtime/party/remask.ts)
  z.object({ type: z.literal('remask'), session: Id, bundle: Id, epoch: z.number().int().nonnegative() }),
  z.object({ type: z.literal('done'), session: Id }),
  // a shareholder's signed HPKE key statement (runtime/party/served-types.ts SignedKeyStatement), sent to
  // the leader whenever their link comes up; opaque here (the client verifies it: runtime/serve/keys.ts)
  z.object({ type: z.literal('hpke'), role: z.string().max(64), statement: z.string().max(2000), signature: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/).max(200), cert: z.string().max(8000) }),
  // the leader asks the material role to keep `count` bundles pooled for each of these batch sizes (serving)
  z.object({ type: z.literal('prewarm'), batches: z.array(Batch).max(MAX_PREWARM_SIZES), count: z.number().int().min(0).max(MAX_PREWARM_COUNT) }),
  z.object({ type: z.literal('ready'), session: Id }),
  // a compute role's report at the end of a session: payload bytes and frames it sent, the dealer
  // material the session used, the time the dealer took to make it, and the process's peak RSS so far
  z.object({ type: z.literal('stats'), session: Id, bytes: z.number().int().nonnegative(), frames: z.number().int().nonnegative(), offlineMs: z.number().nonnegative(), offlineBytes: z.number().int().nonnegative(), rssMb: z.number().nonnegative() }),
]);
export type Control = z.infer<typeof ControlSchema>;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function encodeControl(c: Control): Uint8Array {
  return enc.encode(JSON.stringify(c));
}

/** Parses a control payload; E_TRANSPORT naming the peer for anything malformed. */
export function decodeControl(payload: Uint8Array, peer: string): Control {
  let json: unknown;
  try {
    json = JSON.parse(dec.decode(payload));
  } catch {
    throw new TfeError('E_TRANSPORT', `malformed control message from ${peer}: not UTF-8 JSON`);
  }
  const r = ControlSchema.safeParse(json);
  if (!r.success) throw new TfeError('E_TRANSPORT', `malformed control message from ${peer}: ${r.error.issues[0]?.message ?? 'schema'} at ${r.error.issues[0]?.path.join('.') ?? ''}`);
  return r.data;
}
