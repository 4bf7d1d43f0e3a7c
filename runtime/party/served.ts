/**
 * Served sessions (issue 14, design note 2.1): what a shareholder does differently when a
 * prediction's input arrives as HPKE envelopes through the leader's HTTP service instead of
 * from a connected client.
 *
 * A served session is an ordinary prediction session of the plan in which the steps that
 * name the input provider (its `share` steps and the `reveal` steps to it) are skipped:
 * each shareholder starts from the input shares it decrypted itself (the `share` steps'
 * outputs, pre-filled in its environment) and ends with its output shares (the `reveal`
 * steps' inputs), which it seals to the client's one-time response key. Requests of a
 * batch are concatenated along dim 0 and zero-padded to the session's batch size: zero
 * rows at every shareholder are a valid sharing of 0, and their outputs are never sealed.
 *
 * Two frames of the session at step indices after the plan's (so a session's tags never
 * collide with a kernel's):
 *  - intake (`INTAKE = steps.length`, leader → each other shareholder, before step 0): per
 *    request its 32-byte aad, then that shareholder's envelope (`sizes[i]` bytes, as the
 *    session announcement says), zero-padded to 8 bytes;
 *  - outtake (`steps.length + 1`, each other shareholder → leader, after the last step):
 *    header words [OUTTAKE_MAGIC, bytes it sent, material bytes it received, one status per
 *    request], then per request its response envelope (`responseEnvelopeBytes(rows,
 *    outRowWords)`, all zero unless the status is OK).
 * Both sides know every length before a byte moves (the announcement), so each receive is
 * exact; payloads go in frames of at most `CHUNK_WORDS` words (1 MiB: below any plan's frame
 * cap, src/plan/cost.ts maxFramePayload). A frame of the wrong length, a bad magic, an
 * unknown status or non-zero filler is a TfeError naming the peer; nothing is guessed.
 */
import { TfeError } from '../../src/errors.js';
import { inputProviders, shapeAtBatch, type InputBinding, type OutputBinding, type Plan, type PlanStep } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { roleAttr } from '../../src/protocols/pond.js';
import { secret, type Operand } from '../protocols/types.js';
import { ringTensor } from '../ring/tensor.js';
import { perRowWords } from '../serve/oip.js';
import { requestEnvelopeBytes, responseEnvelopeBytes } from '../serve/envelope.js';
import type { Endpoint, Role } from '../transport/types.js';
import type { Env } from './steps.js';

/** Bytes of a request's aad (SHA-256 of its header). */
export const AAD_BYTES = 32;
/** Words per frame of an intake or outtake (1 MiB). */
export const CHUNK_WORDS = 1 << 17;
/** First word of an outtake ("TFO1" and a version, as a u64). */
export const OUTTAKE_MAGIC = 0x0001_3146_4f54n;
/** Words of an outtake header before the per-request statuses. */
const OUTTAKE_HEAD = 3;

/** What a shareholder reports for one request of a served session. */
export const SERVED_STATUS = { ok: 0, ciphertext: 1, shape: 2 } as const;
export type ServedStatus = (typeof SERVED_STATUS)[keyof typeof SERVED_STATUS];

/** An input binding's share step, as a served session fills it. */
export interface ServedInput {
  readonly binding: InputBinding;
  /** The share step's output tensor (its secret shares), filled from the decrypted words. */
  readonly shareTensor: string;
  /** u64 words per row. */
  readonly perRow: number;
}

/** An output binding's reveal step, as a served session reads it. */
export interface ServedOutput {
  readonly binding: OutputBinding;
  /** The reveal step's input tensor: this shareholder's output share. */
  readonly secretTensor: string;
  readonly perRow: number;
}

/** How a plan is served: the provider, its input and output blocks, and the steps skipped. */
export interface ServedLayout {
  readonly provider: Role;
  readonly inputs: readonly ServedInput[];
  readonly outputs: readonly ServedOutput[];
  /** Words per row of the input and of the output (the row layout of served-types.ts). */
  readonly rowWords: number;
  readonly outRowWords: number;
  /** The step filter of a served session: every step but those naming the provider. */
  readonly only: (s: PlanStep) => boolean;
  /** Reserved step indices of the intake and outtake frames. */
  readonly intakeStep: number;
  readonly outtakeStep: number;
}

const layouts = new WeakMap<Plan, ServedLayout>();

/**
 * The served layout of a plan (made once per plan). E_UNSUPPORTED for a plan a served
 * session cannot run: inputs from several roles, an output to another role, a binding
 * without a free batch dimension at dim 0, or a step naming the provider that is not its
 * input's `share` or an output's `reveal` (such a step would need the client online).
 */
export function servedLayout(plan: Plan): ServedLayout {
  const have = layouts.get(plan);
  if (have) return have;
  const providers = inputProviders(plan);
  if (providers.length !== 1) throw new TfeError('E_UNSUPPORTED', `cannot serve a plan whose inputs come from ${providers.length === 0 ? 'no role' : `several roles (${providers.join(', ')})`}`, 'serve a plan with one input role (the client)');
  const provider = providers[0];
  const where = (what: string): string => `cannot serve this plan: ${what}`;
  for (const b of [...plan.inputs, ...plan.outputs]) {
    if (b.shape[0] !== -1 || b.shape.slice(1).some((d) => d < 0)) throw new TfeError('E_UNSUPPORTED', where(`binding '${b.name}' has shape [${b.shape.join(',')}], not [-1, ...] (a free batch dimension first)`), 'compile the model with a free batch dimension');
  }
  for (const b of plan.outputs) {
    if (b.receiver !== provider) throw new TfeError('E_UNSUPPORTED', where(`output '${b.name}' goes to ${b.receiver}, not to the input role ${provider}`));
  }
  const spec = protocolSpec(plan.protocol);
  const skipped = new Set<PlanStep>();
  const shareOf = new Map<string, string>();
  const revealOf = new Map<string, string>();
  plan.steps.forEach((s, i) => {
    const k = spec.kernels.get(s.kernel);
    if (!k || !k.parties(s.attrs).roles.includes(provider)) return;
    if (s.kernel === 'share' && roleAttr('share', s.attrs, 'owner') === provider && s.inputs.length === 1 && s.outputs.length === 1) {
      shareOf.set(s.inputs[0], s.outputs[0]);
    } else if (s.kernel === 'reveal' && roleAttr('reveal', s.attrs, 'to') === provider && s.inputs.length === 1 && s.outputs.length === 1) {
      revealOf.set(s.outputs[0], s.inputs[0]);
    } else {
      throw new TfeError('E_UNSUPPORTED', where(`step ${i} (${s.kernel}, node '${s.source}') needs ${provider} online`));
    }
    skipped.add(s);
  });
  const inputs = plan.inputs.map((binding): ServedInput => {
    const shareTensor = shareOf.get(binding.tensor);
    if (shareTensor === undefined) throw new TfeError('E_UNSUPPORTED', where(`input '${binding.name}' is not secret-shared by a share step`));
    return { binding, shareTensor, perRow: perRowWords(binding.shape) };
  });
  const outputs = plan.outputs.map((binding): ServedOutput => {
    const secretTensor = revealOf.get(binding.tensor);
    if (secretTensor === undefined) throw new TfeError('E_UNSUPPORTED', where(`output '${binding.name}' is not revealed by a reveal step`));
    return { binding, secretTensor, perRow: perRowWords(binding.shape) };
  });
  if (shareOf.size !== inputs.length || revealOf.size !== outputs.length) throw new TfeError('E_UNSUPPORTED', where(`${provider} shares or receives tensors that are not bindings`));
  const layout: ServedLayout = {
    provider,
    inputs,
    outputs,
    rowWords: inputs.reduce((a, b) => a + b.perRow, 0),
    outRowWords: outputs.reduce((a, b) => a + b.perRow, 0),
    only: (s) => !skipped.has(s),
    intakeStep: plan.steps.length,
    outtakeStep: plan.steps.length + 1,
  };
  layouts.set(plan, layout);
  return layout;
}

/**
 * The input shares of a served session: each request's words (rows · rowWords, the row
 * layout of served-types.ts) placed at its row offset of each input tensor, the rows past
 * the requests' zero. `words[i]` may be undefined (that request failed here): its rows stay zero.
 */
export function servedInputEnv(layout: ServedLayout, rows: readonly number[], words: readonly (BigUint64Array | undefined)[], padTo: number): Env {
  const env: Env = new Map();
  let col = 0;
  for (const inp of layout.inputs) {
    const shape = shapeAtBatch(inp.binding.shape, padTo);
    const data = new BigUint64Array(padTo * inp.perRow);
    let row = 0;
    rows.forEach((r, i) => {
      const w = words[i];
      if (w) for (let k = 0; k < r; k++) data.set(w.subarray((k * layout.rowWords) + col, (k * layout.rowWords) + col + inp.perRow), (row + k) * inp.perRow);
      row += r;
    });
    env.set(inp.shareTensor, secret(shape, ringTensor(shape, data)));
    col += inp.perRow;
  }
  return env;
}

/** Each request's output share words (rows · outRowWords, in plan.outputs order per row) after the steps ran. */
export function servedOutputWords(layout: ServedLayout, rows: readonly number[], env: Env, role: Role): BigUint64Array[] {
  const shares = layout.outputs.map((o) => {
    const x: Operand | undefined = env.get(o.secretTensor);
    if (!x || x.kind !== 'secret' || !x.share) throw new TfeError('E_PROTOCOL', `${role} holds no share of output '${o.binding.name}' (tensor ${o.secretTensor}) after the served session`);
    return x.share.data;
  });
  const out: BigUint64Array[] = [];
  let row = 0;
  for (const r of rows) {
    const w = new BigUint64Array(r * layout.outRowWords);
    for (let k = 0; k < r; k++) {
      let col = 0;
      layout.outputs.forEach((o, j) => {
        w.set(shares[j].subarray((row + k) * o.perRow, (row + k + 1) * o.perRow), k * layout.outRowWords + col);
        col += o.perRow;
      });
    }
    out.push(w);
    row += r;
  }
  return out;
}

/**
 * Checks a served batch's request rows and envelope sizes against the session's batch
 * size and the layout (the follower's check of its leader's announcement; `who` names the
 * peer that announced it). An envelope may be shorter than its rows need (the follower
 * answers that request with E_SHAPE) but never longer.
 */
export function checkServedShape(layout: ServedLayout, rows: readonly number[], sizes: readonly number[], padTo: number, who: string): void {
  if (rows.length === 0 || rows.length !== sizes.length) throw new TfeError('E_PROTOCOL', `${who} announced a served session with ${rows.length} request(s) and ${sizes.length} envelope size(s)`);
  const total = rows.reduce((a, r) => a + r, 0);
  if (total > padTo) throw new TfeError('E_PROTOCOL', `${who} announced ${total} rows of requests in a served session of batch ${padTo}`);
  rows.forEach((r, i) => {
    const most = requestEnvelopeBytes(r, layout.rowWords);
    if (sizes[i] > most) throw new TfeError('E_PROTOCOL', `${who} announced an envelope of ${sizes[i]} bytes for request ${i} of ${r} row(s), more than the ${most} bytes it can have`);
  });
}

/** Bytes of an intake: per request its aad and envelope, padded to 8 bytes. */
export function intakeBytes(sizes: readonly number[]): number {
  return sizes.reduce((a, s) => a + pad8(AAD_BYTES + s), 0);
}

/** The intake a leader sends one shareholder: per request its aad and envelope (checked lengths). */
export function encodeIntake(items: readonly { readonly aad: Uint8Array; readonly envelope: Uint8Array }[]): Uint8Array {
  const out = new Uint8Array(intakeBytes(items.map((x) => x.envelope.length)));
  let at = 0;
  for (const { aad, envelope } of items) {
    if (aad.length !== AAD_BYTES) throw new TfeError('E_ARG', `a served request's aad has ${aad.length} bytes, expected ${AAD_BYTES}`);
    out.set(aad, at);
    out.set(envelope, at + AAD_BYTES);
    at += pad8(AAD_BYTES + envelope.length);
  }
  return out;
}

/** The (aad, envelope) pairs of an intake of these sizes; its padding must be zero. */
export function decodeIntake(bytes: Uint8Array, sizes: readonly number[], from: string): { aad: Uint8Array; envelope: Uint8Array }[] {
  if (bytes.length !== intakeBytes(sizes)) throw new TfeError('E_PROTOCOL', `the intake from ${from} has ${bytes.length} bytes, expected ${intakeBytes(sizes)}`);
  let at = 0;
  return sizes.map((s, i) => {
    const end = at + AAD_BYTES + s;
    const next = at + pad8(AAD_BYTES + s);
    for (let k = end; k < next; k++) if (bytes[k] !== 0) throw new TfeError('E_PROTOCOL', `the intake from ${from} has non-zero padding after request ${i}`);
    const item = { aad: bytes.slice(at, at + AAD_BYTES), envelope: bytes.slice(at + AAD_BYTES, end) };
    at = next;
    return item;
  });
}

/** What a shareholder sends back at the end of a served session. */
export interface Outtake {
  /** Payload bytes it sent in the session (before the outtake). */
  readonly bytes: number;
  /** Bytes of material it received from the material role for the session. */
  readonly materialBytes: number;
  /** Per request: its sealed response, or why there is none. */
  readonly results: readonly (Uint8Array | Exclude<ServedStatus, 0>)[];
}

/** Words of an outtake for requests of these rows. */
export function outtakeWords(rows: readonly number[], outRowWords: number): number {
  return OUTTAKE_HEAD + rows.length + rows.reduce((a, r) => a + responseEnvelopeBytes(r, outRowWords) / 8, 0);
}

export function encodeOuttake(o: Outtake, rows: readonly number[], outRowWords: number): BigUint64Array {
  const out = new BigUint64Array(outtakeWords(rows, outRowWords));
  out[0] = OUTTAKE_MAGIC;
  out[1] = BigInt(o.bytes);
  out[2] = BigInt(o.materialBytes);
  const bytes = new Uint8Array(out.buffer);
  let at = (OUTTAKE_HEAD + rows.length) * 8;
  rows.forEach((r, i) => {
    const n = responseEnvelopeBytes(r, outRowWords);
    const x = o.results[i];
    if (x instanceof Uint8Array) {
      if (x.length !== n) throw new TfeError('E_PROTOCOL', `response ${i} has ${x.length} bytes, expected ${n}`);
      bytes.set(x, at);
      out[OUTTAKE_HEAD + i] = BigInt(SERVED_STATUS.ok);
    } else out[OUTTAKE_HEAD + i] = BigInt(x);
    at += n;
  });
  return out;
}

/** Reads an outtake (exact length already checked by the receive); every field is checked, naming the peer. */
export function decodeOuttake(words: BigUint64Array, rows: readonly number[], outRowWords: number, from: string): Outtake {
  const bad = (what: string): TfeError => new TfeError('E_PROTOCOL', `malformed served outtake from ${from}: ${what}`, 'the peer runs another version of tfe or is faulty');
  if (words.length !== outtakeWords(rows, outRowWords)) throw bad(`${words.length} words, expected ${outtakeWords(rows, outRowWords)}`);
  if (words[0] !== OUTTAKE_MAGIC) throw bad('wrong magic');
  const count = (w: bigint, what: string): number => {
    if (w > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`${what} ${w} out of range`);
    return Number(w);
  };
  const bytesSent = count(words[1], 'byte count');
  const materialBytes = count(words[2], 'material byte count');
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  let at = (OUTTAKE_HEAD + rows.length) * 8;
  const results = rows.map((r, i): Uint8Array | Exclude<ServedStatus, 0> => {
    const n = responseEnvelopeBytes(r, outRowWords);
    const status = words[OUTTAKE_HEAD + i];
    const body = bytes.subarray(at, at + n);
    at += n;
    if (status === BigInt(SERVED_STATUS.ok)) return body.slice();
    if (status !== BigInt(SERVED_STATUS.ciphertext) && status !== BigInt(SERVED_STATUS.shape)) throw bad(`unknown status ${status} for request ${i}`);
    if (body.some((b) => b !== 0)) throw bad(`request ${i} failed there but carries a response`);
    return Number(status) as Exclude<ServedStatus, 0>;
  });
  return { bytes: bytesSent, materialBytes, results };
}

/** The error a request gets when `role` reported `status` for it. */
export function servedError(role: Role, status: Exclude<ServedStatus, 0>): { code: string; message: string } {
  return status === SERVED_STATUS.ciphertext
    ? { code: 'E_CIPHERTEXT', message: `the input share for ${role} did not decrypt: tampered, or sealed for another role, plan or request header` }
    : { code: 'E_SHAPE', message: `the input share for ${role} does not have the length its declared rows need` };
}

/** Sends bytes (a multiple of 8) to `to` in frames of at most CHUNK_WORDS words. */
export function sendChunked(ep: Endpoint, to: Role, words: BigUint64Array): void {
  for (let i = 0; i < words.length || i === 0; i += CHUNK_WORDS) ep.send(to, words.subarray(i, Math.min(words.length, i + CHUNK_WORDS)));
}

/** Receives `total` words from `from`, as sendChunked splits them. */
export async function recvChunked(ep: Endpoint, from: Role, total: number): Promise<BigUint64Array> {
  if (total <= CHUNK_WORDS) return ep.recv(from, total);
  const out = new BigUint64Array(total);
  for (let i = 0; i < total; i += CHUNK_WORDS) out.set(await ep.recv(from, Math.min(CHUNK_WORDS, total - i)), i);
  return out;
}

/** The words of bytes whose length is a multiple of 8 (copied when unaligned). */
export function wordsOfBytes(bytes: Uint8Array): BigUint64Array {
  if (bytes.length % 8 !== 0) throw new TfeError('E_ARG', `${bytes.length} bytes are not whole u64 words`);
  if (bytes.byteOffset % 8 === 0) return new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
  return new BigUint64Array(bytes.slice().buffer);
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
