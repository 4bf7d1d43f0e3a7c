/**
 * Shared pieces of the prediction-service tests: the real plan of zoo net A (compiled here,
 * so the bindings are the compiler's), HPKE keys for server0 and server1, a fake leader
 * compute party, and a test client that secret-shares, seals and opens.
 *
 * The fake compute (`FakeCompute`) stands in for the leader's ComputeParty (served-types.ts
 * `ServedCompute`): it holds server1's private key, opens server1's envelopes in-process (a
 * bad one becomes that request's E_CIPHERTEXT, as server1 reports it), and computes a public
 * linear function on the shares: output word j of a row = input word j of the same row. As
 * sharing is linear, the client's reconstructed output must equal the first `outRowWords`
 * words of each row of its input: an independent end-to-end check of the row layout,
 * batching (offsets of several requests in one session) and both envelopes.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { compile } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { TfeError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/index.js';
import type { Readiness, ServedBatch, ServedCompute, ServedOutcome, ServedResult, SignedKeyStatement } from '../../runtime/party/served-types.js';
import { openRequest, openResponse, requestHash, sealRequest, sealResponse, type ResponseKey } from '../../runtime/serve/envelope.js';
import { nodePrivateKeyFromPem, nodeSuite, type NodeX25519Key } from '../../runtime/serve/hpke-node.js';
import { fromBase64, rowWordsOf, toBase64, type EncryptedInferRequest, type EncryptedInferResponse } from '../../runtime/serve/oip.js';

let netA: Promise<Plan> | undefined;

/** The ring plan of zoo net A (inputs in [0, 1]), compiled once per test process. */
export function netAPlan(): Promise<Plan> {
  netA ??= compile(zooModelPath('A'), { inputRange: [0, 1] }).then((c) => c.plan);
  return netA;
}

/** A fresh X25519 HPKE private key, as `tfe deploy init` writes one (PKCS#8 PEM). */
export function freshKey(): NodeX25519Key {
  const { privateKey } = generateKeyPairSync('x25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return nodePrivateKeyFromPem(privateKey, 'test key');
}

export interface FakeOptions {
  /** Wall time of each served session (ms). */
  delayMs?: number;
  readiness?: Readiness;
}

/** What the fake saw of each batch. */
export interface SeenBatch {
  readonly rows: readonly number[];
  readonly padTo: number;
}

export class FakeCompute implements ServedCompute {
  readonly plan: Plan;
  readonly batches: SeenBatch[] = [];
  readonly prewarmed: { batches: readonly number[]; count: number }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly key1: NodeX25519Key;
  private readonly key0Public: Uint8Array;
  private readonly suite = nodeSuite();
  private readonly inW: number;
  private readonly outW: number;
  options: FakeOptions;

  constructor(plan: Plan, key0Public: Uint8Array, key1: NodeX25519Key, options: FakeOptions = {}) {
    this.plan = plan;
    this.key0Public = key0Public;
    this.key1 = key1;
    this.options = options;
    this.inW = rowWordsOf(plan.inputs);
    this.outW = rowWordsOf(plan.outputs);
  }

  readiness(): Readiness {
    return this.options.readiness ?? { ready: true };
  }

  keyStatements(): readonly SignedKeyStatement[] {
    const statement = (role: string, pk: Uint8Array): SignedKeyStatement => ({
      role,
      statement: JSON.stringify({ format: 'tfe-hpke-key', planId: this.plan.planId, publicKey: Buffer.from(pk).toString('base64url'), role, version: 1 }),
      signature: toBase64(new Uint8Array(64)),
      cert: '-----BEGIN CERTIFICATE-----\n(test)\n-----END CERTIFICATE-----\n',
    });
    return [statement('server0', this.key0Public), statement('server1', this.key1.publicRaw)];
  }

  prewarm(batches: readonly number[], count: number): void {
    this.prewarmed.push({ batches: [...batches], count });
  }

  poolLevels(): ReadonlyMap<number, number> {
    return new Map([[1, 2], [32, 1]]);
  }

  async serve(batch: ServedBatch): Promise<ServedOutcome> {
    const rows = batch.requests.map((r) => r.rows);
    const total = rows.reduce((a, b) => a + b, 0);
    if (batch.padTo < total) throw new TfeError('E_PROTOCOL', `fake: padTo ${batch.padTo} below ${total} rows`);
    this.batches.push({ rows, padTo: batch.padTo });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const t0 = performance.now();
    try {
      if (this.options.delayMs !== undefined) await new Promise((r) => setTimeout(r, this.options.delayMs));
      const results: ServedResult[] = [];
      for (const req of batch.requests) {
        const own = this.linear(req.own, req.rows);
        let theirs: Uint8Array | { code: string; message: string };
        try {
          const sealed = req.sealed.get('server1');
          if (sealed === undefined) throw new TfeError('E_SHAPE', 'no envelope for server1');
          const opened = await openRequest(this.suite, this.key1, { planId: this.plan.planId, role: 'server1', aad: req.aad, rows: req.rows, rowWords: this.inW }, sealed);
          theirs = await sealResponse(this.suite, opened.response, { rows: req.rows, rowWords: this.outW }, this.linear(opened.words, req.rows));
        } catch (e) {
          theirs = e instanceof TfeError ? { code: e.code, message: e.message } : { code: 'E_CIPHERTEXT', message: String(e) };
        }
        results.push({ own, sealed: new Map([['server1', theirs]]) });
      }
      return { results, sessionMs: performance.now() - t0, bundleWaitMs: 0, rounds: 22, bytes: { server0: 1000 * total, server1: 1000 * total } };
    } finally {
      this.inFlight--;
    }
  }

  /** Output word j of row i = input word j of row i. */
  private linear(words: BigUint64Array, rows: number): BigUint64Array {
    const out = new BigUint64Array(rows * this.outW);
    for (let i = 0; i < rows; i++) for (let j = 0; j < this.outW; j++) out[i * this.outW + j] = words[i * this.inW + j];
    return out;
  }
}

/** Uniform u64 words from the CSPRNG. */
export function randomWords(n: number): BigUint64Array {
  const b = randomBytes(n * 8);
  return new BigUint64Array(b.buffer, b.byteOffset, n).slice();
}

/** What the test client needs of the served model. */
export interface ClientView {
  readonly model: string;
  readonly plan: Plan;
  readonly keys: ReadonlyMap<string, Uint8Array>;
}

export interface SealedInfer {
  readonly body: EncryptedInferRequest;
  readonly keys: ReadonlyMap<string, ResponseKey>;
  /** The envelopes' base64 (to check that logs never hold them). */
  readonly envelopesB64: readonly string[];
  /** Each role's share words as base64 of their bytes. */
  readonly sharesB64: readonly string[];
}

/** Splits `x` (rows · inRowWords words) into server0 = r and server1 = x - r, and seals each to its role. */
export async function sealInfer(v: ClientView, x: BigUint64Array, rows: number, id?: string): Promise<SealedInfer> {
  const inW = rowWordsOf(v.plan.inputs);
  const r = randomWords(x.length);
  const s1 = new BigUint64Array(x.length);
  for (let i = 0; i < x.length; i++) s1[i] = x[i] - r[i];
  const header = { model: v.model, plan_id: v.plan.planId, rows, inputs: v.plan.inputs.map((b) => ({ name: b.name, shape: [rows, ...b.shape.slice(1)] })) };
  const aad = await requestHash(header);
  const suite = nodeSuite();
  const keys = new Map<string, ResponseKey>();
  const tensors = [];
  const envelopesB64: string[] = [];
  for (const [role, words] of [['server0', r], ['server1', s1]] as const) {
    const pk = v.keys.get(role);
    if (pk === undefined) throw new Error(`no key for ${role}`);
    const sealed = await sealRequest(suite, { publicKey: pk, planId: v.plan.planId, role, aad, rows, rowWords: inW, words });
    keys.set(role, sealed.response);
    const b64 = toBase64(sealed.envelope);
    envelopesB64.push(b64);
    tensors.push({ name: role, datatype: 'BYTES' as const, shape: [1] as [1], data: [b64] as [string] });
  }
  const body: EncryptedInferRequest = {
    ...(id === undefined ? {} : { id }),
    parameters: { tfe: { version: 1, plan_id: v.plan.planId, rows, inputs: header.inputs } },
    inputs: tensors,
  };
  const sharesB64 = [r, s1].map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64'));
  return { body, keys, envelopesB64, sharesB64 };
}

/** Opens both roles' answers and adds them: the reconstructed output words. */
export async function openInfer(v: ClientView, sealed: SealedInfer, resp: EncryptedInferResponse, rows: number): Promise<BigUint64Array> {
  const outW = rowWordsOf(v.plan.outputs);
  const suite = nodeSuite();
  const sum = new BigUint64Array(rows * outW);
  for (const role of ['server0', 'server1']) {
    const t = resp.outputs.find((o) => o.name === role);
    const key = sealed.keys.get(role);
    if (t === undefined || key === undefined) throw new Error(`no answer for ${role}`);
    const words = await openResponse(suite, key, { rows, rowWords: outW }, fromBase64(t.data[0]));
    for (let i = 0; i < sum.length; i++) sum[i] += words[i];
  }
  return sum;
}

/** The expected output of the fake's linear function: the first outRowWords words of each input row. */
export function expectedOutput(plan: Plan, x: BigUint64Array, rows: number): BigUint64Array {
  const inW = rowWordsOf(plan.inputs);
  const outW = rowWordsOf(plan.outputs);
  const out = new BigUint64Array(rows * outW);
  for (let i = 0; i < rows; i++) for (let j = 0; j < outW; j++) out[i * outW + j] = x[i * inW + j];
  return out;
}

/** A pino destination that keeps every line (the captured log). */
export class LogCapture {
  readonly lines: string[] = [];
  write(msg: string): void {
    this.lines.push(msg);
  }
  text(): string {
    return this.lines.join('');
  }
  records(): Record<string, unknown>[] {
    return this.text().split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
