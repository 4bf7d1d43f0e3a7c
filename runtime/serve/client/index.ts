/**
 * `tfe/client`: the prediction service's Node client (issue 14). `connect(modelUrl,
 * options)` is core.ts's TfeClient with node:crypto's envelope primitives (hpke-node.ts,
 * ~5x cheaper than WebCrypto's) and a keep-alive node:http fetch (node-fetch.ts; pass
 * `fetch` to use another):
 *
 *     import { connect } from 'tfe/client';
 *     const client = await connect('http://127.0.0.1:8080/v2/models/A', { caPem });
 *     const { outputs } = await client.predict({ flatten_input: image });
 *
 * The browser bundle uses core.ts with envelope.ts webSuite() instead.
 */
import type { NodeX25519Key } from '../hpke-node.js';
import { nodeSuite } from '../hpke-node.js';
import { TfeClient, type ClientOptions } from './core.js';
import { nodeFetch } from './node-fetch.js';

/** The platform-neutral client (core.ts): TfeClient, its errors (ServiceError: the server's code and HTTP status), URL parsing and the share split. */
export { parseModelUrl, ServiceError, shareWords, TfeClient, DEFAULT_TIMEOUT_MS } from './core.js';
/** Inputs, options and results of a served prediction. */
export type { ClientInput, ClientOptions, FetchLike, NestedArray, ServedPrediction } from './core.js';
export type { DecodedOutput } from '../../io/bindings-codec.js';
/** The served model's metadata (GET /v2/models/NAME) and a prediction's statistics. */
export type { ModelMetadata, ServedStats } from '../oip.js';
/** Server key verification against the deployment CA (what connect() does). */
export { isLoopbackUrl, UNAUTHENTICATED_WARNING, verifyServerKeys } from '../keys.js';

/** Node's client options: core.ts's without the suite (node:crypto's is used). */
export type NodeClientOptions = Omit<ClientOptions<NodeX25519Key>, 'suite'>;

/** Connects to the model at `modelUrl` (http(s)://HOST:PORT/v2/models/NAME) and verifies its servers' keys. */
export async function connect(modelUrl: string, options: NodeClientOptions = {}): Promise<TfeClient<NodeX25519Key>> {
  return TfeClient.connect(modelUrl, { fetch: nodeFetch(), ...options, suite: nodeSuite() });
}
