/**
 * The leader's HTTP service in a deployment (`tfe party server0 --deployment F --http
 * HOST:PORT`, and the server0 child of `tfe serve`): the prediction service (service.ts) over
 * the leader's running compute party, its HTTP listener (http.ts), API keys and rate limit,
 * the optional demo page, and the optional plaintext path.
 *
 * Decisions:
 * - A non-loopback listener without `--api-keys` refuses to start (anyone who can reach it
 *   could query the model, and many queries are how a model is extracted) unless `--no-auth`.
 * - Rate limit: with a key file, each key has its own budget (its `perMinute`, else
 *   `--per-minute`, else DEFAULT_KEY_BUDGET rows per minute); without one, all callers share
 *   `--per-minute` if given, and are unlimited otherwise (loopback `tfe serve`).
 * - `--allow-plaintext-input` serves plaintext FP32 bodies through the same encrypted path:
 *   the leader acts as the client in-process (shares and seals the input to both
 *   shareholders' verified keys, opens both answers). It then sees the input and the output,
 *   which is why it is off by default.
 */
import { readFileSync } from 'node:fs';
import { TfeError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/index.js';
import type { ComputeParty } from '../party/compute.js';
import { loadApiKeys } from './api-key-file.js';
import { connect } from './client/index.js';
import { demoAssets } from './demo-assets.js';
import { errorAnswer } from './http-errors.js';
import { DEFAULT_KEY_BUDGET, isLoopbackHost, type ServiceFlags } from './http-flags.js';
import { startHttp, type HttpHandle } from './http.js';
import type { ServeIdentity } from './identity.js';
import type { PlaintextInferRequest, PlaintextInferResponse } from './oip.js';
import { PredictionService } from './service.js';
import type { TfeClient } from './client/core.js';
import type { NodeX25519Key } from './hpke-node.js';

export interface LeaderHttpArgs {
  readonly compute: ComputeParty;
  readonly plan: Plan;
  readonly planDir: string;
  /** The model name of the URL. */
  readonly name: string;
  readonly identity: ServeIdentity;
  /** The deployment CA certificate file (the demo page's pin; the plaintext path verifies keys with it). */
  readonly caFile: string;
  readonly host: string;
  readonly port: number;
  readonly flags: ServiceFlags;
  /** HTTPS certificate and key (PEM) for the listener; absent: plain HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface LeaderHttp {
  readonly handle: HttpHandle;
  readonly service: PredictionService;
  /** `http://HOST:PORT/v2/models/NAME`. */
  readonly modelUrl: string;
}

/** A fetch that answers the client's two calls from the service in this process (the plaintext path). */
function inProcessFetch(service: PredictionService): (url: string, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
    try {
      if ((init?.method ?? 'GET') === 'GET') return json(200, service.metadata());
      return json(200, await service.infer(JSON.parse(String(init?.body)), { note: {} }));
    } catch (e) {
      const a = errorAnswer(e);
      return json(a.status, a.body, { ...a.headers });
    }
  };
}

/** The plaintext hook: the leader as the client, in-process. */
function plaintextPath(service: PredictionService, caPem: string): (body: PlaintextInferRequest) => Promise<PlaintextInferResponse> {
  let client: Promise<TfeClient<NodeX25519Key>> | undefined;
  return async (body) => {
    client ??= connect(`http://127.0.0.1/v2/models/${service.name}`, { caPem, fetch: inProcessFetch(service) });
    client.catch(() => (client = undefined));
    const c = await client;
    const inputs = Object.fromEntries(body.inputs.map((t) => [t.name, { shape: t.shape, data: t.data }]));
    const p = await c.predict(inputs);
    return {
      model_name: service.name,
      ...(body.id === undefined ? {} : { id: body.id }),
      parameters: { tfe: p.stats },
      outputs: Object.entries(p.outputs).map(([name, o]) => ({ name, datatype: 'FP32' as const, shape: [...o.shape], data: Array.from(o.probabilities ?? o.data) })),
    };
  };
}

/** Starts the service and its listener on the leader. */
export async function startLeaderHttp(a: LeaderHttpArgs): Promise<LeaderHttp> {
  const f = a.flags;
  if (!isLoopbackHost(a.host) && f.apiKeysFile === undefined && f.auth) {
    throw new TfeError('E_ARG', `--http ${a.host}:${a.port} listens beyond this machine but no --api-keys file was given`,
      'make keys with `tfe serve-keys add keys.json --id NAME` and pass --api-keys keys.json, or start with --no-auth to let anyone who reaches it ask');
  }
  const apiKeys = f.apiKeysFile === undefined ? undefined : loadApiKeys(f.apiKeysFile);
  const perMinute = apiKeys !== undefined ? f.perMinute ?? DEFAULT_KEY_BUDGET : f.perMinute;
  const caPem = readFileSync(a.caFile, 'utf8');
  // the plaintext hook needs the service it belongs to: it is bound once the service exists
  let hook: ((body: PlaintextInferRequest) => Promise<PlaintextInferResponse>) | undefined;
  const plaintext = f.allowPlaintext ? (body: PlaintextInferRequest): Promise<PlaintextInferResponse> => {
    if (!hook) throw new TfeError('E_INTERNAL', 'the plaintext path is not started');
    return hook(body);
  } : undefined;
  const service = new PredictionService({
    compute: a.compute,
    name: a.name,
    hpkeKey: a.identity.privateKey,
    planDir: a.planDir,
    options: { batcher: f.batcher, allowPlaintext: f.allowPlaintext, ...(plaintext ? { plaintext } : {}) },
  });
  if (f.allowPlaintext) hook = plaintextPath(service, caPem);
  const handle = await startHttp(service, {
    host: a.host,
    port: a.port,
    ...(apiKeys ? { apiKeys } : {}),
    ...(perMinute !== undefined ? { rateLimit: { perMinute } } : {}),
    ...(f.demo ? { static: demoAssets({ model: a.name, caPem }) } : {}),
    ...(a.tls ? { tls: a.tls } : {}),
    caPem,
  });
  return { handle, service, modelUrl: `${handle.url}/v2/models/${a.name}` };
}
