/**
 * A fake prediction service for the client tests (node:http, in the test process): the
 * OIP routes of runtime/serve/oip.ts for one toy model, with both shareholders' HPKE
 * private keys and key statements signed by certificates of its own CA. It opens both
 * envelopes, computes a linear function of the input on each share separately (integer
 * coefficients, so f(s0) + f(s1) = f(x) exactly mod 2^64, as the real servers' linear
 * layers do), and seals each result back to the client's one-time key. What it opened is
 * kept in `received` so tests can check the sharing. Modes make it answer with the error
 * bodies a real leader gives (401, 409, 503, a tampered response, a non-JSON 500) or
 * publish a swapped key.
 *
 * Toy model "toy": input x [-1, 4] (scale 16, range [-8, 8]); outputs
 *   y [-1, 2] = [x0 + x1, 2·x2 − x3]   (logits, softmax post-processing)
 *   s [-1, 1] = [x0 + 3·x1 − x3]      (values)
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeCa, makeRoleCertificate } from '../../runtime/deploy/certs.js';
import type { SignedKeyStatement } from '../../runtime/party/served-types.js';
import { openRequest, requestHash, sealResponse } from '../../runtime/serve/envelope.js';
import { nodePrivateKeyFromPem, nodeSuite, type NodeX25519Key } from '../../runtime/serve/hpke-node.js';
import { signKeyStatement } from '../../runtime/serve/identity.js';
import { EncryptedInferRequestSchema, fromBase64, toBase64, type EncryptedInferResponse, type ModelMetadata } from '../../runtime/serve/oip.js';
import { TfeError } from '../../src/errors.js';

export const TOY_PLAN_ID = 'c0ffee'.repeat(10) + 'abcd';
export const ROLES = ['server0', 'server1'] as const;
export const IN_WORDS = 4;
export const OUT_WORDS = 3;

export type FakeMode = 'ok' | 'overload' | 'tamper' | 'not-json' | 'swap-key' | 'plan-drift';

export interface FakeOip {
  readonly modelUrl: string;
  readonly caPem: string;
  readonly caKeyPem: string;
  /** The decrypted share words each role got, per request. */
  readonly received: Record<string, BigUint64Array>[];
  /** The raw HPKE public keys, per role. */
  readonly publicKeys: Record<string, Uint8Array>;
  mode: FakeMode;
  /** When set, requests need `Authorization: Bearer <apiKey>`. */
  apiKey: string | undefined;
  close(): Promise<void>;
}

/** The toy function on one share (row-major rows · 4 words → the output row layout: y block, then s block). */
export function toyOnShare(x: BigUint64Array, rows: number): BigUint64Array {
  const out = new BigUint64Array(rows * OUT_WORDS);
  for (let r = 0; r < rows; r++) {
    const [a, b, c, d] = [x[4 * r], x[4 * r + 1], x[4 * r + 2], x[4 * r + 3]];
    out[2 * r] = a + b;
    out[2 * r + 1] = 2n * c - d;
    out[2 * rows + r] = a + 3n * b - d;
  }
  return out;
}

export function toyMetadata(keys: SignedKeyStatement[], planId = TOY_PLAN_ID): ModelMetadata {
  return {
    name: 'toy', versions: [planId.slice(0, 12)], platform: 'tfe-pond',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }, { name: 's', datatype: 'FP32', shape: [-1, 1] }],
    parameters: { tfe: {
      version: 1, plan_id: planId, protocol: 'pond', max_rows: 4,
      bindings: {
        inputs: [{ name: 'x', shape: [-1, 4], dtype: 'float32', scale: 16, range: [-8, 8] }],
        outputs: [{ name: 'y', shape: [-1, 2], scale: 16, postprocess: 'softmax', kind: 'logits' }, { name: 's', shape: [-1, 1], scale: 16, postprocess: 'none', kind: 'values' }],
      },
      shareholders: [...ROLES], keys, labels: ['left', 'right'], allow_plaintext: false,
    } },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeOip(): Promise<FakeOip> {
  const suite = nodeSuite();
  const ca = await makeCa('fake OIP CA');
  const privateKeys: Record<string, NodeX25519Key> = {};
  const publicKeys: Record<string, Uint8Array> = {};
  const statements: SignedKeyStatement[] = [];
  const certs: Record<string, { certPem: string; keyPem: string }> = {};
  for (const role of ROLES) {
    const pem = generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    privateKeys[role] = nodePrivateKeyFromPem(pem, role);
    publicKeys[role] = privateKeys[role].publicRaw;
    certs[role] = await makeRoleCertificate(role, ca);
    statements.push(signKeyStatement({ role, planId: TOY_PLAN_ID, publicKey: publicKeys[role], certPem: certs[role].certPem, keyPem: certs[role].keyPem }));
  }
  // the leader's forgery: a key of its own for server1, signed with its own certificate
  const forged = signKeyStatement({ role: 'server1', planId: TOY_PLAN_ID, publicKey: publicKeys.server0, certPem: certs.server0.certPem, keyPem: certs.server0.keyPem });
  const received: Record<string, BigUint64Array>[] = [];

  const fake: FakeOip = {
    modelUrl: '', caPem: ca.certPem, caKeyPem: ca.keyPem, received, publicKeys, mode: 'ok', apiKey: undefined,
    close: () => new Promise((res) => server.close(() => res())),
  };

  async function infer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (fake.apiKey !== undefined && req.headers.authorization !== `Bearer ${fake.apiKey}`) {
      send(res, 401, { error: 'missing or unknown API key', code: 'E_AUTH' }, { 'www-authenticate': 'Bearer' });
      return;
    }
    if (fake.mode === 'overload') {
      send(res, 503, { error: 'the queue is full', code: 'E_OVERLOAD' }, { 'retry-after': '1' });
      return;
    }
    if (fake.mode === 'not-json') {
      send(res, 500, 'Internal Server Error');
      return;
    }
    const parsed = EncryptedInferRequestSchema.safeParse(JSON.parse(await readBody(req)));
    if (!parsed.success) {
      send(res, 400, { error: `bad request: ${parsed.error.issues[0].message}`, code: 'E_ARG' });
      return;
    }
    const p = parsed.data.parameters.tfe;
    const planId = fake.mode === 'plan-drift' ? 'f'.repeat(64) : TOY_PLAN_ID;
    if (p.plan_id !== planId) {
      send(res, 409, { error: `the request is for plan ${p.plan_id}, this server runs ${planId}`, code: 'E_PLAN', hint: 're-fetch GET /v2/models/toy' });
      return;
    }
    const aad = await requestHash({ model: 'toy', plan_id: p.plan_id, rows: p.rows, inputs: p.inputs });
    const opened: Record<string, BigUint64Array> = {};
    const outputs: EncryptedInferResponse['outputs'] = [];
    try {
      for (const role of ROLES) {
        const t = parsed.data.inputs.find((i) => i.name === role);
        if (!t) throw new TfeError('E_ARG', `no envelope for ${role}`);
        const o = await openRequest(suite, privateKeys[role], { planId, role, aad, rows: p.rows, rowWords: IN_WORDS }, fromBase64(t.data[0]));
        opened[role] = o.words;
        const sealed = await sealResponse(suite, o.response, { rows: p.rows, rowWords: OUT_WORDS }, toyOnShare(o.words, p.rows));
        if (fake.mode === 'tamper' && role === 'server1') sealed[sealed.length - 3] ^= 1;
        outputs.push({ name: role, datatype: 'BYTES', shape: [1], data: [toBase64(sealed)] });
      }
    } catch (e) {
      if (e instanceof TfeError) {
        send(res, 400, { error: e.message, code: e.code });
        return;
      }
      throw e;
    }
    received.push(opened);
    const answer: EncryptedInferResponse = {
      model_name: 'toy', ...(parsed.data.id === undefined ? {} : { id: parsed.data.id }),
      parameters: { tfe: { version: 1, rows: p.rows, batch_rows: p.rows, batch_size: 4, queue_ms: 0.25, session_ms: 1.5, rounds: 12, bytes: { server0: 2048, server1: 3072, dealer: 512 } } },
      outputs,
    };
    send(res, 200, answer);
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === '/v2/models/toy') {
      const keys = fake.mode === 'swap-key' ? [statements[0], forged] : statements;
      send(res, 200, toyMetadata(keys));
    } else if (req.method === 'GET' && url === '/v2/models/toy/ca.pem') {
      send(res, 200, ca.certPem);
    } else if (req.method === 'POST' && url === '/v2/models/toy/infer') {
      infer(req, res).catch((e: unknown) => send(res, 500, { error: String(e), code: 'E_INTERNAL' }));
    } else {
      send(res, 404, { error: `no route ${req.method ?? ''} ${url}`, code: 'E_NOT_FOUND' });
    }
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  (fake as { modelUrl: string }).modelUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/models/toy`;
  return fake;
}
