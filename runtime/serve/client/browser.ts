/**
 * The browser entry of the prediction client: what a web page needs to talk to a tfe
 * leader, bundled by `npm run build:web` (esbuild, ES module, minified) into
 * dist/web/tfe-client.js, which the leader serves at `/tfe-client.js` with `--demo`.
 *
 * It imports nothing from node: (the envelopes use WebCrypto through `webSuite()`, the wire
 * schemas are zod, the server keys are checked with WebCrypto and @peculiar/x509), so the
 * same sources run in Node and in the page. A page connects with the platform-neutral
 * client: `TfeClient.connect(modelUrl, { suite: webSuite(), caSha256? })` then
 * `client.predict({ [inputName]: { shape, data } })`. test/serve/browser-hpke.test.ts runs
 * the envelopes in headless Chromium, test/serve/browser-e2e.test.ts the demo page against
 * a served model.
 */
export { parseModelUrl, ServiceError, shareWords, TfeClient, type ClientInput, type ClientOptions, type ServedPrediction } from './core.js';
export { verifyServerKeys, isLoopbackUrl, UNAUTHENTICATED_WARNING } from '../keys.js';
export {
  ENC_BYTES,
  HEADER_BYTES,
  MAX_ROWS,
  RESPONSE_NONCE_BYTES,
  TAG_BYTES,
  openRequest,
  openResponse,
  requestEnvelopeBytes,
  requestHash,
  requestInfo,
  responseEnvelopeBytes,
  sealRequest,
  sealResponse,
  webSuite,
  type EnvelopeSuite,
  type OpenRequestArgs,
  type OpenedRequest,
  type RequestHeader,
  type ResponseKey,
  type RowLayout,
  type SealRequestArgs,
  type SealedRequest,
} from '../envelope.js';
export {
  EncryptedInferRequestSchema,
  EncryptedInferResponseSchema,
  ErrorResponseSchema,
  ModelMetadataSchema,
  RequestParametersSchema,
  SERVE_VERSION,
  fromBase64,
  perRowWords,
  rowWordsOf,
  toBase64,
  type EncryptedInferRequest,
  type EncryptedInferResponse,
  type ErrorResponse,
  type ModelMetadata,
  type RequestParameters,
  type ServedInput,
  type ServedOutput,
  type ServedStats,
} from '../oip.js';
export { TfeError, type ErrorCode } from '../../../src/errors.js';
