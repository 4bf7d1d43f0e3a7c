/**
 * The wire format of the prediction service, shaped like the Open Inference Protocol v2
 * (KServe / Triton "V2 inference protocol": `GET /v2/models/NAME` metadata, `POST
 * /v2/models/NAME/infer` with `inputs`/`outputs` tensors of `{name, datatype, shape, data}`).
 * Shared by the leader's HTTP server, the Node client and the browser client, so it imports
 * nothing from node: (zod only).
 *
 * Secret values never travel as JSON numbers (JSON loses integers above 2^53): an encrypted
 * request carries one `BYTES` tensor per shareholder role, named after the role, whose single
 * element is base64 of the HPKE envelope `enc ‖ ct` (envelope.ts); the response carries one
 * `BYTES` tensor per shareholder with base64 of `nonce ‖ ct`. `parameters.tfe` holds what the
 * envelopes are bound to (plan id, rows, input shapes: their canonical hash is the aad).
 *
 * A plaintext request (FP32 `data` under the model's input names, no `parameters.tfe`) is
 * only accepted by a leader started with `--allow-plaintext-input`.
 */
import { z } from 'zod';

/** Version of the `parameters.tfe` objects below. */
export const SERVE_VERSION = 1;

/** Largest `id` a client may attach to a request (echoed in the response and logs). */
export const MAX_REQUEST_ID = 64;

const Dim = z.number().int().min(-1);
const RoleName = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/);
/**
 * Whether `s` uses only the standard base64 alphabet (RFC 4648 section 4), with at most two
 * '=' at the end. A loop, not a regular expression: V8 ran /^[A-Za-z0-9+/]*={0,2}$/ at
 * ~80 MB/s on 8 KB envelopes, a tenth of a millisecond per envelope on the leader.
 */
export function isBase64(s: string): boolean {
  let end = s.length;
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (!ok) return false;
  }
  return true;
}

/** Standard base64 (RFC 4648 section 4), with padding. */
const Base64 = z.string().refine(isBase64, { message: 'not base64 (RFC 4648 standard alphabet)' });

/** An OIP tensor description in the metadata. */
export const TensorMetadataSchema = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(Dim),
});
export type TensorMetadata = z.infer<typeof TensorMetadataSchema>;

/** A shareholder's signed HPKE key statement (runtime/party/served-types.ts SignedKeyStatement). */
export const KeyStatementSchema = z.object({
  role: RoleName,
  statement: z.string().max(2000),
  signature: Base64.max(200),
  cert: z.string().max(8000),
});

/** What the client needs of an input binding (the plan's InputBinding without its tensor id). */
export const ServedInputSchema = z.object({
  name: z.string(),
  shape: z.array(Dim),
  dtype: z.literal('float32'),
  scale: z.number().int().min(0).max(62),
  range: z.tuple([z.number(), z.number()]),
  preprocess: z.object({
    op: z.literal('one_hot'),
    depth: z.number().int().min(1),
    dtype: z.enum(['int32', 'int64']),
    shape: z.array(Dim),
  }).optional(),
});
export type ServedInput = z.infer<typeof ServedInputSchema>;

/** What the client needs of an output binding (the plan's OutputBinding without its tensor id and receiver). */
export const ServedOutputSchema = z.object({
  name: z.string(),
  shape: z.array(Dim),
  scale: z.number().int().min(0).max(62),
  postprocess: z.enum(['none', 'softmax']),
  kind: z.enum(['values', 'logits', 'probabilities', 'label']),
});
export type ServedOutput = z.infer<typeof ServedOutputSchema>;

/** `GET /v2/models/NAME`. */
export const ModelMetadataSchema = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  platform: z.string(),
  inputs: z.array(TensorMetadataSchema),
  outputs: z.array(TensorMetadataSchema),
  parameters: z.object({
    tfe: z.object({
      version: z.literal(SERVE_VERSION),
      plan_id: z.string().min(1),
      protocol: z.string(),
      /** Largest rows one request may carry. */
      max_rows: z.number().int().min(1),
      bindings: z.object({ inputs: z.array(ServedInputSchema).min(1), outputs: z.array(ServedOutputSchema).min(1) }),
      /** The roles that get one envelope each, in order (server0, server1 under pond and securenn). */
      shareholders: z.array(RoleName).min(2),
      keys: z.array(KeyStatementSchema),
      /** Class names, when the plan directory has them (labels.json). */
      labels: z.array(z.string()).optional(),
      /** True when the leader accepts plaintext FP32 inputs (--allow-plaintext-input). */
      allow_plaintext: z.boolean(),
    }),
  }),
});
export type ModelMetadata = z.infer<typeof ModelMetadataSchema>;

/** What the envelopes of a request are bound to (its canonical hash is their aad; envelope.ts RequestHeader minus the model name). */
export const RequestParametersSchema = z.object({
  version: z.literal(SERVE_VERSION),
  plan_id: z.string().min(1).max(200),
  rows: z.number().int().min(1),
  inputs: z.array(z.object({ name: z.string().max(1000), shape: z.array(z.number().int().min(0)).max(16) })).min(1).max(64),
});
export type RequestParameters = z.infer<typeof RequestParametersSchema>;

/** One envelope: a BYTES tensor named after its role with one base64 element. */
export const EnvelopeTensorSchema = z.object({
  name: RoleName,
  datatype: z.literal('BYTES'),
  shape: z.tuple([z.literal(1)]),
  data: z.tuple([Base64]),
});

/** `POST /v2/models/NAME/infer`, encrypted. */
export const EncryptedInferRequestSchema = z.object({
  id: z.string().max(MAX_REQUEST_ID).optional(),
  parameters: z.object({ tfe: RequestParametersSchema }),
  inputs: z.array(EnvelopeTensorSchema).min(1).max(8),
});
export type EncryptedInferRequest = z.infer<typeof EncryptedInferRequestSchema>;

/** `POST /v2/models/NAME/infer`, plaintext (only with --allow-plaintext-input). */
export const PlaintextInferRequestSchema = z.object({
  id: z.string().max(MAX_REQUEST_ID).optional(),
  inputs: z.array(z.object({
    name: z.string(),
    datatype: z.literal('FP32'),
    shape: z.array(z.number().int().min(0)),
    data: z.array(z.number()),
  })).min(1),
});
export type PlaintextInferRequest = z.infer<typeof PlaintextInferRequestSchema>;

/** What the service reports about how a request was served. */
export const ServedStatsSchema = z.object({
  version: z.literal(SERVE_VERSION),
  rows: z.number().int().min(1),
  /** Real rows of the session the request ran in, and its (padded) size. */
  batch_rows: z.number().int().min(1),
  batch_size: z.number().int().min(1),
  queue_ms: z.number().nonnegative(),
  session_ms: z.number().nonnegative(),
  rounds: z.number().int().nonnegative(),
  /** Bytes each role sent in the session. */
  bytes: z.record(z.string(), z.number().int().nonnegative()),
});
export type ServedStats = z.infer<typeof ServedStatsSchema>;

/** The answer to an encrypted request: one sealed output share per shareholder. */
export const EncryptedInferResponseSchema = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string().optional(),
  parameters: z.object({ tfe: ServedStatsSchema }),
  outputs: z.array(EnvelopeTensorSchema).min(1),
});
export type EncryptedInferResponse = z.infer<typeof EncryptedInferResponseSchema>;

/** The answer to a plaintext request: FP32 outputs under the model's output names. */
export const PlaintextInferResponseSchema = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string().optional(),
  parameters: z.object({ tfe: ServedStatsSchema }),
  outputs: z.array(z.object({ name: z.string(), datatype: z.literal('FP32'), shape: z.array(z.number().int()), data: z.array(z.number()) })),
});
export type PlaintextInferResponse = z.infer<typeof PlaintextInferResponseSchema>;

/** Every error answer: `{"error": message, "code": "E_…", "hint"?: …}` (OIP's `error` field plus tfe's code). */
export const ErrorResponseSchema = z.object({
  error: z.string(),
  code: z.string(),
  hint: z.string().optional(),
});
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

/** u64 words per row of each binding: the product of its shape without dim 0. */
export function perRowWords(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape.slice(1)) n *= d;
  return n;
}

/** The row width (u64 words) of a list of bindings, in the row layout of served-types.ts. */
export function rowWordsOf(bindings: readonly { readonly shape: readonly number[] }[]): number {
  return bindings.reduce((s, b) => s + perRowWords(b.shape), 0);
}

/** Node's Buffer when present (its base64 is native; btoa/atob run in JS there, ~1 ms per 8 KB envelope). */
interface NodeBuffer {
  from(data: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'base64'): string };
  from(text: string, encoding: 'base64'): Uint8Array;
}
const NodeBuf = (globalThis as { Buffer?: NodeBuffer }).Buffer;

/** base64 (standard alphabet, padded) of bytes, in Node and browsers. */
export function toBase64(bytes: Uint8Array): string {
  if (NodeBuf) return NodeBuf.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Bytes of a base64 string (already checked against the alphabet by the schema). */
export function fromBase64(text: string): Uint8Array {
  if (NodeBuf) {
    const b = NodeBuf.from(text, 'base64');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
