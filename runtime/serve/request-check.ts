/**
 * Checks an infer request body against the served plan before any decryption or queueing
 * (serve-design.md section 2.3, "errors in check order"): schema (400 E_ARG), plan id (409
 * E_PLAN: the client's metadata is stale), the declared rows and input names and shapes
 * against the plan's input bindings and the row limit, then one envelope per shareholder
 * role of exactly the length the declared rows give (400 E_SHAPE). Messages name the field
 * or role and the expected value; they never quote envelope bytes.
 *
 * The served layout is fixed per plan: every input binding must have a batch dimension
 * (-1 at dim 0) and fixed other dims, since a served session concatenates requests along
 * dim 0 (served-types.ts row layout); `servedLayout` refuses other plans with E_UNSUPPORTED.
 */
import type { ZodError } from 'zod';
import { TfeError } from '../../src/errors.js';
import type { InputBinding, OutputBinding, Plan } from '../../src/plan/index.js';
import type { Role } from '../transport/types.js';
import { requestEnvelopeBytes, type RequestHeader } from './envelope.js';
import { EncryptedInferRequestSchema, rowWordsOf } from './oip.js';

/** What the service checks requests against: fixed per plan and model name. */
export interface ServedLayout {
  readonly model: string;
  readonly planId: string;
  /** Shareholder roles in order; the first is the leader (server0). */
  readonly holders: readonly Role[];
  readonly inputs: readonly InputBinding[];
  readonly outputs: readonly OutputBinding[];
  /** u64 share words per row of the inputs and of the outputs (oip.ts rowWordsOf). */
  readonly inRowWords: number;
  readonly outRowWords: number;
  /** Most rows one request may carry. */
  readonly maxRows: number;
}

/** The layout of `plan` served as `model` to the `holders`; E_UNSUPPORTED for bindings without a batch dimension. */
export function servedLayout(plan: Plan, model: string, holders: readonly Role[], maxRows: number): ServedLayout {
  for (const b of [...plan.inputs, ...plan.outputs]) {
    const bad = b.shape[0] !== -1 || b.shape.slice(1).some((d) => d < 1);
    if (bad) {
      throw new TfeError('E_UNSUPPORTED', `the plan's ${plan.inputs.includes(b as InputBinding) ? 'input' : 'output'} '${b.name}' has shape [${b.shape.join(',')}]: serving needs a batch dimension (-1) first and fixed other dims`, 'compile the model without a fixed batch size (the default) to serve it');
    }
  }
  if (holders.length < 2) throw new TfeError('E_UNSUPPORTED', `protocol ${plan.protocol} has ${holders.length} shareholder(s); serving needs at least two`);
  return { model, planId: plan.planId, holders, inputs: plan.inputs, outputs: plan.outputs, inRowWords: rowWordsOf(plan.inputs), outRowWords: rowWordsOf(plan.outputs), maxRows };
}

/** A request that passed every check that needs no key: its header (the aad's content) and envelope bytes per role. */
export interface CheckedRequest {
  readonly id: string | undefined;
  readonly rows: number;
  readonly header: RequestHeader;
  readonly envelopes: ReadonlyMap<Role, Uint8Array>;
}

/** A zod failure as one E_ARG line naming the first bad field. */
export function schemaError(what: string, error: ZodError, hint?: string): TfeError {
  const i = error.issues[0];
  const path = i.path.length === 0 ? 'the body' : i.path.map(String).join('.');
  return new TfeError('E_ARG', `${what}: ${path}: ${i.message}`, hint);
}

/**
 * Whether a body looks like a plaintext OIP request: no `parameters.tfe`, and an input whose
 * datatype is not BYTES (numbers under the model's input names).
 */
export function isPlaintextBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as { parameters?: { tfe?: unknown }; inputs?: unknown };
  if (b.parameters?.tfe !== undefined || !Array.isArray(b.inputs)) return false;
  return b.inputs.some((t: unknown) => typeof t === 'object' && t !== null && (t as { datatype?: unknown }).datatype !== 'BYTES');
}

const ENCRYPTED_HINT = 'send one BYTES tensor per shareholder role with its HPKE envelope, as tfe predict and tfe/client do';

/** Runs every check of an encrypted request that needs no key; throws the first failure. */
export function checkEncryptedRequest(body: unknown, l: ServedLayout): CheckedRequest {
  const parsed = EncryptedInferRequestSchema.safeParse(body);
  if (!parsed.success) throw schemaError('the infer request is malformed', parsed.error, ENCRYPTED_HINT);
  const req = parsed.data;
  const p = req.parameters.tfe;
  if (p.plan_id !== l.planId) {
    throw new TfeError('E_PLAN', `the request was made for plan ${p.plan_id.slice(0, 16)}…, this server runs plan ${l.planId.slice(0, 16)}…`, `re-fetch GET /v2/models/${l.model} and seal the request again`);
  }
  const rows = p.rows;
  if (rows > l.maxRows) throw new TfeError('E_SHAPE', `the request has ${rows} rows, more than the ${l.maxRows} one request may have here`, 'split the input into requests of at most max_rows rows (GET /v2/models/NAME)');
  if (p.inputs.length !== l.inputs.length) {
    throw new TfeError('E_SHAPE', `the request declares ${p.inputs.length} input(s), the model has ${l.inputs.length} (${l.inputs.map((b) => b.name).join(', ')})`);
  }
  p.inputs.forEach((got, i) => {
    const b = l.inputs[i];
    if (got.name !== b.name) throw new TfeError('E_SHAPE', `input ${i + 1} of the request is named '${got.name.slice(0, 64)}', the model's input ${i + 1} is '${b.name}'`, 'declare the inputs in the order of GET /v2/models/NAME');
    const want = [rows, ...b.shape.slice(1)];
    if (got.shape.length !== want.length || got.shape.some((d, k) => d !== want[k])) {
      throw new TfeError('E_SHAPE', `input '${b.name}' is declared with shape [${got.shape.join(',')}], expected [${want.join(',')}] for ${rows} row(s)`);
    }
  });
  const envelopes = new Map<Role, Uint8Array>();
  const expected = requestEnvelopeBytes(rows, l.inRowWords);
  for (const t of req.inputs) {
    if (!l.holders.includes(t.name)) throw new TfeError('E_SHAPE', `the request has an envelope for '${t.name}', which holds no shares here (shareholders: ${l.holders.join(', ')})`, ENCRYPTED_HINT);
    if (envelopes.has(t.name)) throw new TfeError('E_SHAPE', `the request has two envelopes for ${t.name}`, ENCRYPTED_HINT);
    // node:buffer's decoder: the alphabet was checked by the schema; ~10x faster than oip.ts fromBase64 (atob) in Node.
    const bytes: Uint8Array = Buffer.from(t.data[0], 'base64');
    if (bytes.length !== expected) {
      throw new TfeError('E_SHAPE', `the envelope for ${t.name} has ${bytes.length} bytes, expected ${expected} for ${rows} row(s) of ${l.inRowWords} words`, 'seal exactly the declared rows for each role');
    }
    envelopes.set(t.name, bytes);
  }
  const missing = l.holders.filter((r) => !envelopes.has(r));
  if (missing.length > 0) throw new TfeError('E_SHAPE', `the request has no envelope for ${missing.join(', ')}`, ENCRYPTED_HINT);
  const header: RequestHeader = { model: l.model, plan_id: p.plan_id, rows, inputs: p.inputs.map((x) => ({ name: x.name, shape: x.shape })) };
  return { id: req.id, rows, header, envelopes };
}

/** Rows of a plaintext request: dim 0 of its first input (checked equal across inputs). */
export function plaintextRows(inputs: readonly { readonly name: string; readonly shape: readonly number[] }[]): number {
  const rows = inputs[0].shape[0] ?? 1;
  for (const t of inputs) {
    if ((t.shape[0] ?? 1) !== rows) throw new TfeError('E_SHAPE', `plaintext input '${t.name.slice(0, 64)}' has ${t.shape[0]} rows, input '${inputs[0].name.slice(0, 64)}' has ${rows}`);
  }
  if (!Number.isInteger(rows) || rows < 1) throw new TfeError('E_SHAPE', `a plaintext request needs at least one row (dim 0 of its inputs), got ${rows}`);
  return rows;
}
