/**
 * The prediction service's client, platform-neutral (issue 14, design note 2.4 and 2.8):
 * the Node entry (index.ts, `tfe/client`, `tfe predict`) and the browser bundle give it
 * their envelope suite, fetch and random source; it imports no node: module, nor tfjs,
 * the compiler or the ring.
 *
 * `TfeClient.connect(modelUrl)` fetches `GET /v2/models/NAME` (checked against
 * oip.ts ModelMetadataSchema) and verifies the shareholders' HPKE keys against the
 * deployment CA (keys.ts; without a CA only on loopback, with a warning). `predict(inputs)`
 * encodes each input at its binding's scale after the range check (io/bindings-codec.ts,
 * the rules `tfe run` applies), splits the words x into additive shares over Z_2^64
 * (every shareholder but the last gets uniform random words r_i; the last gets
 * x − Σ r_i mod 2^64, so under pond server0 holds r and server1 x − r, and any proper
 * subset of shares is uniform, independent of x), seals each role's words to its key
 * with aad = requestHash(header) (envelope.ts), POSTs one OIP-shaped body to
 * `.../infer`, opens each role's answer with its one-time response key, adds the output
 * shares mod 2^64 and decodes them as `tfe run` does (softmax post-processing included).
 * Server errors become a ServiceError (a TfeError) with the server's code and message.
 */
import type { Key } from 'hpke';
import { isErrorCode, TfeError, type ErrorCode } from '../../../src/errors.js';
import { decodeOutputWords, encodeBindings, type DecodedOutput } from '../../io/bindings-codec.js';
import { fitInput } from '../../io/fit-shape.js';
import { tensorFromJson } from '../../io/json-input.js';
import { userShape, type FloatTensor, type PreprocessBinding } from '../../io/preprocess.js';
import { openResponse, requestHash, sealRequest, type EnvelopeSuite, type RequestHeader, type ResponseKey } from '../envelope.js';
import { verifyServerKeys } from '../keys.js';
import {
  EncryptedInferResponseSchema,
  ErrorResponseSchema,
  fromBase64,
  ModelMetadataSchema,
  perRowWords,
  rowWordsOf,
  SERVE_VERSION,
  toBase64,
  type EncryptedInferRequest,
  type ModelMetadata,
  type ServedStats,
} from '../oip.js';

/** A nested array of numbers (one example or a batch), as JSON gives it. */
export type NestedArray = number | readonly NestedArray[];
/** An input: nested arrays, or flat values with their shape (a Float32Array from a canvas, say). */
/**
 * An input value: nested arrays (as JSON), a tensor `{shape, data}` (row-major), or a flat
 * Float32Array/Float64Array holding whole rows of the input's shape row-major (its length a
 * multiple of the per-row size; the row count is length / per-row size).
 */
export type ClientInput = NestedArray | Float32Array | Float64Array | { readonly shape: readonly number[]; readonly data: ArrayLike<number> };

/** fetch as both Node and browsers provide it. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** How a client connects: its envelope suite, the deployment CA (or its hash), an API key, fetch and timeouts. */
export interface ClientOptions<K extends Key = Key> {
  /** The envelope primitives: nodeSuite() in Node, webSuite() in browsers. */
  readonly suite: EnvelopeSuite<K>;
  /** A bearer token (`tfe serve-keys add`), sent as `Authorization: Bearer`. */
  readonly apiKey?: string;
  /** The deployment CA certificate (PEM) that the servers' key certificates must chain to. */
  readonly caPem?: string;
  /** Hex SHA-256 of the CA's DER: the CA is fetched from `MODEL_URL/ca.pem` (unless caPem is given) and must match. */
  readonly caSha256?: string;
  readonly fetch?: FetchLike;
  /** Per HTTP request (default 30 s). */
  readonly timeoutMs?: number;
  /** One-line warnings (keys accepted without a CA on loopback). */
  readonly onWarning?: (message: string) => void;
  /** `n` CSPRNG bytes for the shares (default: the suite's). */
  readonly random?: (n: number) => Uint8Array;
}

/** What one prediction returns. */
export interface ServedPrediction {
  /** The decoded outputs by name, as `tfe run` returns them. */
  readonly outputs: Record<string, DecodedOutput>;
  /** How the service ran it (batch, queue and session time, rounds, bytes per role). */
  readonly stats: ServedStats;
  /** Wall time from encoding to decoded outputs (ms). */
  readonly latencyMs: number;
  /** The share words sent to each role (what each server saw, decrypted): for display. */
  readonly sent: Record<string, BigUint64Array>;
}

/** Per HTTP request, unless ClientOptions.timeoutMs says otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;
const MODEL_PATH = /^\/v2\/models\/([^/]+)\/?$/;
/** crypto.getRandomValues fills at most 65,536 bytes per call. */
const RANDOM_CHUNK = 65_536;

/** An error answer of the service: its HTTP status and the server's own code (mapped to a TfeError code). */
export class ServiceError extends TfeError {
  readonly status: number;
  readonly serverCode: string;
  constructor(code: ErrorCode, message: string, status: number, serverCode: string, hint?: string) {
    super(code, message, hint);
    this.name = 'ServiceError';
    this.status = status;
    this.serverCode = serverCode;
  }
}

/** The TfeError code for a server's answer: its own when it is one of ours, else by HTTP status. */
function codeFor(status: number, serverCode: string): ErrorCode {
  if (isErrorCode(serverCode)) return serverCode;
  if (status === 409) return 'E_PLAN';
  if (status === 429 || status === 503) return 'E_OVERLOAD';
  if (status === 504 || status === 408) return 'E_TIMEOUT';
  if (status >= 400 && status < 500) return 'E_ARG';
  return 'E_PROTOCOL';
}

/** The model URL with its name; E_ARG unless it is http(s)://HOST[:PORT]/v2/models/NAME. */
export function parseModelUrl(modelUrl: string): { url: string; name: string } {
  let u: URL;
  try {
    u = new URL(modelUrl);
  } catch {
    throw new TfeError('E_ARG', `'${modelUrl}' is not a URL`, 'give the model URL, http://HOST:PORT/v2/models/NAME');
  }
  const m = MODEL_PATH.exec(u.pathname);
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !m || u.search !== '' || u.hash !== '') {
    throw new TfeError('E_ARG', `'${modelUrl}' is not a model URL (http(s)://HOST:PORT/v2/models/NAME)`, 'tfe serve prints the URL: serving NAME at http://127.0.0.1:PORT/v2/models/NAME');
  }
  return { url: `${u.origin}/v2/models/${m[1]}`, name: decodeURIComponent(m[1]) };
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return e.message;
}

/** `n` uniform u64 words from `random`, asked for in chunks getRandomValues accepts. */
function randomWords(n: number, random: (n: number) => Uint8Array): BigUint64Array {
  const bytes = new Uint8Array(n * 8);
  for (let at = 0; at < bytes.length; at += RANDOM_CHUNK) {
    const len = Math.min(RANDOM_CHUNK, bytes.length - at);
    const chunk = random(len);
    if (chunk.length !== len) throw new TfeError('E_ARG', `the random source gave ${chunk.length} bytes, ${len} asked`);
    bytes.set(chunk, at);
  }
  return new BigUint64Array(bytes.buffer);
}

/** The additive sharing of `x` among `n` roles: n − 1 uniform shares and x minus their sum (mod 2^64). */
export function shareWords(x: BigUint64Array, n: number, random: (n: number) => Uint8Array): BigUint64Array[] {
  const shares: BigUint64Array[] = [];
  const last = x.slice();
  for (let i = 0; i < n - 1; i++) {
    const r = randomWords(x.length, random);
    // BigUint64Array stores reduce mod 2^64
    for (let j = 0; j < x.length; j++) last[j] -= r[j];
    shares.push(r);
  }
  shares.push(last);
  return shares;
}

/**
 * An input value as the float tensor of binding `b` (its user-facing shape: before any
 * one_hot preprocessing), by the rules above: nested arrays by their nesting, a flat
 * typed array as whole rows, `{shape, data}` as given; then fitted to the binding's shape
 * (io/fit-shape.ts: a missing batch dimension added, never reshaped otherwise). E_SHAPE
 * names the input. Shared by the HTTP clients and `runLocal` (runtime/api).
 */
export function inputTensor(v: ClientInput, b: PreprocessBinding | undefined, name: string): FloatTensor {
  const where = `input '${name}'`;
  const tensor = toTensor(v, where, b ? userShape(b) : undefined);
  return b ? fitInput(tensor, name, userShape(b), where) : tensor;
}

function toTensor(v: ClientInput, where: string, shape: readonly number[] | undefined): FloatTensor {
  if (v instanceof Float32Array || v instanceof Float64Array) {
    if (shape === undefined) throw new TfeError('E_ARG', `${where}: a flat typed array needs the input's shape, and the model has no such input`);
    const perRow = shape.slice(1).reduce((a, d) => a * d, 1);
    if (v.length === 0 || v.length % perRow !== 0) {
      throw new TfeError('E_SHAPE', `${where}: a flat array of ${v.length} values is not a whole number of rows of ${perRow} values (shape [N,${shape.slice(1).join(',')}])`, 'give {shape, data} or nested arrays');
    }
    return { shape: [v.length / perRow, ...shape.slice(1)], data: Float64Array.from(v) };
  }
  if (typeof v === 'object' && !Array.isArray(v) && v !== null && 'shape' in v && 'data' in v) {
    const t = v as { readonly shape: readonly number[]; readonly data: ArrayLike<number> };
    return { shape: [...t.shape], data: Float64Array.from(t.data) };
  }
  return tensorFromJson(v, where);
}

/** A connection to one served model: its verified metadata and server keys; `predict` runs one private prediction. */
export class TfeClient<K extends Key = Key> {
  private constructor(
    /** The model URL, normalised (http(s)://HOST:PORT/v2/models/NAME). */
    readonly url: string,
    readonly metadata: ModelMetadata,
    /** The verified raw X25519 public key of each shareholder. */
    readonly keys: ReadonlyMap<string, Uint8Array>,
    private readonly options: ClientOptions<K>,
  ) {}

  /** Fetches and checks the model's metadata and verifies its servers' keys. */
  static async connect<K extends Key>(modelUrl: string, options: ClientOptions<K>): Promise<TfeClient<K>> {
    const { url } = parseModelUrl(modelUrl);
    const json = await httpJson(options, 'GET', url, undefined);
    const parsed = ModelMetadataSchema.safeParse(json);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new TfeError('E_PROTOCOL', `the metadata of ${url} fails the tfe schema at ${i.path.map(String).join('.') || '(root)'}: ${i.message}`, 'is this a tfe prediction service (tfe serve / tfe party server0 --http) of a compatible version?');
    }
    const metadata = parsed.data;
    let caPem = options.caPem;
    if (caPem === undefined && options.caSha256 !== undefined) caPem = await httpText(options, `${url}/ca.pem`);
    const keys = await verifyServerKeys(metadata, {
      url,
      ...(caPem === undefined ? {} : { caPem }),
      ...(options.caSha256 === undefined ? {} : { caSha256: options.caSha256 }),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    });
    return new TfeClient(url, metadata, keys, options);
  }

  /** One private prediction of `inputs` (by input name; one example or a batch of at most max_rows). */
  async predict(inputs: Readonly<Record<string, ClientInput>>): Promise<ServedPrediction> {
    const started = performance.now();
    const t = this.metadata.parameters.tfe;
    const { suite } = this.options;
    const tensors: Record<string, FloatTensor> = {};
    for (const [name, v] of Object.entries(inputs)) {
      tensors[name] = inputTensor(v, t.bindings.inputs.find((x) => x.name === name), name);
    }
    const { encoded } = encodeBindings(t.bindings.inputs, tensors);
    const rows = encoded[0].shape[0] ?? 1;
    encoded.forEach((e, i) => {
      if (e.shape[0] !== rows) throw new TfeError('E_SHAPE', `input '${e.name}' has ${e.shape[0]} rows but '${encoded[0].name}' has ${rows}`, 'give every input the same number of examples');
      const want = rows * perRowWords(t.bindings.inputs[i].shape);
      if (e.words.length !== want) throw new TfeError('E_SHAPE', `input '${e.name}' has ${e.words.length} values, expected ${want} (${rows} row(s))`);
    });
    if (rows > t.max_rows) throw new TfeError('E_SHAPE', `${rows} examples in one request, but ${this.url} takes at most ${t.max_rows}`, `split the batch into requests of at most ${t.max_rows} examples`);
    const rowWords = rowWordsOf(t.bindings.inputs);
    const x = new BigUint64Array(rows * rowWords);
    let at = 0;
    for (const e of encoded) {
      x.set(e.words, at);
      at += e.words.length;
    }
    const holders = t.shareholders;
    const shares = shareWords(x, holders.length, this.options.random ?? ((n) => suite.random(n)));
    const inputsHeader = encoded.map((e) => ({ name: e.name, shape: [...e.shape] }));
    const header: RequestHeader = { model: this.metadata.name, plan_id: t.plan_id, rows, inputs: inputsHeader };
    const aad = await requestHash(header, suite);
    const sealed = await Promise.all(holders.map(async (role, i) => {
      const publicKey = this.keys.get(role);
      if (!publicKey) throw new TfeError('E_TRUST', `no verified key for ${role}`);
      return sealRequest(suite, { publicKey, planId: t.plan_id, role, aad, rows, rowWords, words: shares[i] });
    }));
    const body: EncryptedInferRequest = {
      parameters: { tfe: { version: SERVE_VERSION, plan_id: t.plan_id, rows, inputs: inputsHeader } },
      inputs: holders.map((role, i) => ({ name: role, datatype: 'BYTES', shape: [1], data: [toBase64(sealed[i].envelope)] })),
    };
    const answer = await httpJson(this.options, 'POST', `${this.url}/infer`, JSON.stringify(body));
    const parsed = EncryptedInferResponseSchema.safeParse(answer);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new TfeError('E_PROTOCOL', `the answer of ${this.url}/infer fails the tfe schema at ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    }
    const outRowWords = rowWordsOf(t.bindings.outputs);
    const y = new BigUint64Array(rows * outRowWords);
    await Promise.all(holders.map(async (role, i) => {
      const tensor = parsed.data.outputs.filter((o) => o.name === role);
      if (tensor.length !== 1) throw new TfeError('E_PROTOCOL', `the answer of ${this.url}/infer has ${tensor.length} outputs for ${role}, expected 1`);
      const key: ResponseKey = sealed[i].response;
      const words = await openResponse(suite, key, { rows, rowWords: outRowWords }, fromBase64(tensor[0].data[0]));
      // shares add up mod 2^64 (BigUint64Array stores wrap)
      for (let j = 0; j < y.length; j++) y[j] += words[j];
    }));
    const outputs: Record<string, DecodedOutput> = {};
    let from = 0;
    for (const b of t.bindings.outputs) {
      const n = rows * perRowWords(b.shape);
      outputs[b.name] = decodeOutputWords(b, b.shape.map((d) => (d === -1 ? rows : d)), y.slice(from, from + n));
      from += n;
    }
    return {
      outputs,
      stats: parsed.data.parameters.tfe,
      latencyMs: performance.now() - started,
      sent: Object.fromEntries(holders.map((role, i) => [role, shares[i]])),
    };
  }
}

async function send(o: ClientOptions, method: string, url: string, body: string | undefined, accept: string): Promise<Response> {
  const doFetch: FetchLike = o.fetch ?? ((u, init) => globalThis.fetch(u, init));
  const headers: Record<string, string> = { accept };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (o.apiKey !== undefined) headers.authorization = `Bearer ${o.apiKey}`;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let res: Response;
  try {
    res = await doFetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
      throw new TfeError('E_TIMEOUT', `${method} ${url} got no answer within ${timeoutMs} ms`, 'the server may be overloaded; retry, or give a longer timeout');
    }
    throw new TfeError('E_TRANSPORT', `cannot reach ${url}: ${errorText(e)}`, 'is the server running (tfe serve / tfe party server0 --http) at that address?');
  }
  if (!res.ok) await throwServiceError(res, method, url);
  return res;
}

async function throwServiceError(res: Response, method: string, url: string): Promise<never> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const e = ErrorResponseSchema.safeParse(body);
  const retry = res.headers.get('retry-after');
  const retryHint = retry !== null ? `retry after ${retry} s` : undefined;
  if (!e.success) {
    throw new ServiceError(codeFor(res.status, ''), `${method} ${url} answered ${res.status} ${res.statusText} without a tfe error body${text ? `: ${text.slice(0, 120)}` : ''}`, res.status, '', retryHint);
  }
  const hint = [e.data.hint, retryHint, res.status === 401 ? 'give an API key (--api-key-file FILE, or TFE_API_KEY)' : undefined].filter((h) => h !== undefined).join('; ');
  throw new ServiceError(codeFor(res.status, e.data.code), `${method} ${url}: the server answered ${res.status} ${e.data.code}: ${e.data.error}`, res.status, e.data.code, hint || undefined);
}

async function httpJson(o: ClientOptions, method: string, url: string, body: string | undefined): Promise<unknown> {
  const res = await send(o, method, url, body, 'application/json');
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TfeError('E_PROTOCOL', `${method} ${url} answered ${res.status} with a body that is not JSON: ${text.slice(0, 80)}`, 'is this a tfe prediction service URL?');
  }
}

async function httpText(o: ClientOptions, url: string): Promise<string> {
  return (await send(o, 'GET', url, undefined, 'application/x-pem-file, text/plain')).text();
}
