/**
 * The prediction service of the leader (issue 14; serve-design.md sections 2.3 and 2.5): what
 * `POST /v2/models/NAME/infer` and `GET /v2/models/NAME` do, without HTTP (http.ts adds
 * routes, limits, keys and logs).
 *
 * An encrypted request goes through, in order:
 *   1. the checks that need no key (request-check.ts): schema, plan id (409), names, shapes,
 *      rows <= max_rows, one envelope per shareholder of the exact length (400);
 *   2. readiness (503 while the deployment is not ready or the service drains);
 *   3. the caller's admission gate (http.ts: the API key's rate limit, 429), so a refused
 *      request costs no decryption;
 *   4. opening the leader's own envelope with its HPKE key (400 E_CIPHERTEXT at once);
 *   5. the batcher (batcher.ts), whose runner calls `compute.serve` with the leader's share
 *      words and the other shareholders' sealed envelopes; a result carrying a shareholder's
 *      error fails that request only (400 naming the role);
 *   6. sealing the leader's output share to the client's one-time response key, next to the
 *      other shareholders' sealed answers: the leader relays ciphertexts it cannot open.
 *
 * The aad of every envelope is `requestHash({model, plan_id, rows, inputs})` (computed with
 * node:crypto through the suite's synchronous SHA-256) with the model
 * name this service answers to, so an envelope made for another model name, plan or shape
 * does not open.
 *
 * Plaintext requests (FP32 numbers under the model's input names) are refused with 400
 * E_PLAINTEXT unless the service was built with `allowPlaintext` and a `plaintext` hook (the
 * leader's own client code, which shares, seals and opens in-process).
 */
import { TfeError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { shareholders } from '../../src/protocols/spec.js';
import { classNamesFor } from '../output/labels.js';
import type { Readiness, ServedCompute, ServedRequest, ServedResult } from '../party/served-types.js';
import type { Role } from '../transport/types.js';
import { Batcher, systemClock, type Batch, type BatchClock, type ItemOutcome } from './batcher.js';
import type { BatcherConfig, BatcherOptions } from './batch-options.js';
import type { BatcherGauges, DrainResult } from './batcher.js';
import { openRequest, requestHash, sealResponse, type ResponseKey } from './envelope.js';
import { nodeSuite, type NodeX25519Key } from './hpke-node.js';
import { UnavailableError } from './http-errors.js';
import { modelMetadata, planVersion } from './metadata.js';
import { ServeMetrics } from './metrics.js';
import {
  PlaintextInferRequestSchema,
  SERVE_VERSION,
  toBase64,
  type EncryptedInferResponse,
  type ModelMetadata,
  type PlaintextInferRequest,
  type PlaintextInferResponse,
} from './oip.js';
import { checkEncryptedRequest, isPlaintextBody, plaintextRows, schemaError, servedLayout, type ServedLayout } from './request-check.js';

export interface PredictionServiceOptions {
  /** Batching and bounds (batch-options.ts). Default allowed sizes: powers of two up to maxBatch, and maxBatch. */
  readonly batcher?: BatcherOptions;
  /** Accept plaintext FP32 requests (`--allow-plaintext-input`); needs `plaintext`. */
  readonly allowPlaintext?: boolean;
  /** Serves a plaintext request (wired by the leader to the client code); called only with allowPlaintext. */
  readonly plaintext?: (body: PlaintextInferRequest) => Promise<PlaintextInferResponse>;
  /** Bundles of material to keep pooled per allowed batch size (compute.prewarm at start). Default 2; 0: none. */
  readonly prewarm?: number;
  /** The batcher's clock (tests). */
  readonly clock?: BatchClock;
}

export interface PredictionServiceInit {
  readonly compute: ServedCompute;
  /** The model name of the URL (`/v2/models/NAME`), part of every envelope's aad. */
  readonly name: string;
  /** The leader's HPKE private key (its ROLE.hpke.key). */
  readonly hpkeKey: NodeX25519Key;
  /** Class names of the output; default: `labels.txt` in `planDir` when there is one (as `tfe run` finds them). */
  readonly labels?: readonly string[];
  /** The plan directory (for labels.txt). */
  readonly planDir?: string;
  readonly options?: PredictionServiceOptions;
}

/** What the service notes about a request as it goes, for the HTTP layer's log line and metrics. */
export interface RequestNote {
  clientId?: string;
  rows?: number;
  batchRows?: number;
  batchSize?: number;
  queueMs?: number;
  sessionMs?: number;
}

/** The caller's part in handling one request. */
export interface InferContext {
  /** Called with the request's rows after validation, before any decryption: throws to refuse (rate limit). */
  readonly admit?: (rows: number) => void;
  /** Filled in as the request goes. */
  readonly note: RequestNote;
}

/** One queued request: what the compute party needs, and the leader's own response key. */
interface Queued {
  readonly request: ServedRequest;
  readonly response: ResponseKey;
}

/** One request's share of a finished batch. */
interface Done {
  readonly result: ServedResult;
  readonly sessionMs: number;
  readonly rounds: number;
  readonly bytes: Readonly<Record<Role, number>>;
}

/** Powers of two below `maxBatch`, then `maxBatch` (TF Serving's allowed_batch_sizes must end with max_batch_size). */
export function defaultBatchSizes(maxBatch: number): number[] {
  const sizes: number[] = [];
  for (let s = 1; s < maxBatch; s *= 2) sizes.push(s);
  sizes.push(maxBatch);
  return sizes;
}

const PLAINTEXT_HINT = 'this server does not accept plaintext inputs: use tfe predict or tfe/client, which secret-share and encrypt the input, or start the leader with --allow-plaintext-input';

export class PredictionService {
  readonly name: string;
  readonly plan: Plan;
  readonly metrics: ServeMetrics;
  readonly layout: ServedLayout;
  private readonly compute: ServedCompute;
  private readonly key: NodeX25519Key;
  private readonly labels: readonly string[] | undefined;
  private readonly options: PredictionServiceOptions;
  private readonly batcher: Batcher<Queued, Done>;
  private readonly suite = nodeSuite();
  private readonly leader: Role;
  private readonly others: readonly Role[];
  private draining = false;

  constructor(init: PredictionServiceInit) {
    const { compute } = init;
    this.compute = compute;
    this.plan = compute.plan;
    this.name = init.name;
    this.key = init.hpkeKey;
    this.labels = init.labels ?? (init.planDir === undefined ? undefined : classNamesFor(init.planDir, undefined)?.names);
    this.options = init.options ?? {};
    const o = this.options;
    if (o.allowPlaintext === true && o.plaintext === undefined) {
      throw new TfeError('E_ARG', 'the prediction service was asked to allow plaintext inputs but was given no way to serve them (the plaintext hook)');
    }
    const maxBatch = o.batcher?.maxBatch ?? 32;
    const batcherOptions: BatcherOptions = { ...o.batcher, padTo: o.batcher?.padTo ?? defaultBatchSizes(maxBatch) };
    const clock = o.clock ?? systemClock;
    this.batcher = new Batcher<Queued, Done>((b) => this.runBatch(b), batcherOptions, clock, {
      onBatch: (r) => this.metrics.observeBatch(r.realRows, r.runMs / 1000),
      onReject: (e) => this.metrics.reject('reason' in e ? e.reason : 'timeout'),
    });
    const holders = shareholders(protocolSpec(this.plan.protocol));
    this.leader = holders[0];
    this.others = holders.slice(1);
    this.layout = servedLayout(this.plan, this.name, holders, this.batcher.config.maxRows);
    this.metrics = new ServeMetrics({ batcher: () => this.batcher.gauges(), poolLevels: () => compute.poolLevels() });
    const prewarm = o.prewarm ?? 2;
    if (prewarm > 0 && this.batcher.config.padTo.length > 0) compute.prewarm(this.batcher.config.padTo, prewarm);
  }

  /** The batcher's settings with defaults filled in. */
  get config(): BatcherConfig {
    return this.batcher.config;
  }

  /** The batcher's queue and in-flight levels. */
  gauges(): BatcherGauges {
    return this.batcher.gauges();
  }

  /** Whether plaintext requests are served. */
  get allowsPlaintext(): boolean {
    return this.options.allowPlaintext === true;
  }

  /** Ready when the deployment is and the service is not draining. */
  readiness(): Readiness {
    if (this.draining) return { ready: false, reason: 'the service is shutting down' };
    return this.compute.readiness();
  }

  /** `GET /v2/models/NAME`. */
  metadata(): ModelMetadata {
    return modelMetadata({
      name: this.name,
      plan: this.plan,
      holders: this.layout.holders,
      keys: this.compute.keyStatements(),
      maxRows: this.layout.maxRows,
      labels: this.labels,
      allowPlaintext: this.allowsPlaintext,
    });
  }

  /**
   * The largest infer body this service can need (bytes): one base64 envelope of `maxRows`
   * rows per shareholder plus 4 KiB of JSON around them; with plaintext inputs allowed, also
   * room for `maxRows` rows as JSON numbers (up to 25 characters each).
   */
  maxBodyBytes(): number {
    const l = this.layout;
    const envelope = 32 + 8 + 16 + l.maxRows * l.inRowWords * 8;
    const encrypted = l.holders.length * Math.ceil((envelope * 4) / 3) + 4096;
    const plaintext = this.allowsPlaintext ? l.maxRows * l.inRowWords * 25 + 4096 : 0;
    return Math.max(encrypted, plaintext);
  }

  /** `POST /v2/models/NAME/infer` with a parsed JSON body. Throws a TfeError for every refusal. */
  async infer(body: unknown, ctx: InferContext): Promise<EncryptedInferResponse | PlaintextInferResponse> {
    try {
      const answer = isPlaintextBody(body) ? await this.inferPlaintext(body, ctx) : await this.inferEncrypted(body, ctx);
      this.metrics.observePrediction('ok', ctx.note.rows ?? 0);
      return answer;
    } catch (e) {
      this.metrics.observePrediction(e instanceof TfeError ? e.code : 'E_INTERNAL', 0);
      throw e;
    }
  }

  /** Stops taking requests (readiness 503), runs what is queued, and resolves when nothing runs (or at `timeoutMs`). */
  drain(timeoutMs?: number): Promise<DrainResult> {
    this.draining = true;
    return this.batcher.drain(timeoutMs);
  }

  private checkReady(): void {
    if (this.draining) throw new UnavailableError('draining', 'the service is shutting down and takes no new requests');
    const r = this.compute.readiness();
    if (!r.ready) throw new UnavailableError('not-ready', `the service is not ready: ${r.reason}`);
  }

  private async inferPlaintext(body: unknown, ctx: InferContext): Promise<PlaintextInferResponse> {
    const hook = this.options.plaintext;
    if (!this.allowsPlaintext || hook === undefined) {
      throw new TfeError('E_PLAINTEXT', 'this server does not accept plaintext inputs (FP32 data): the input would be visible to the leader', PLAINTEXT_HINT);
    }
    const parsed = PlaintextInferRequestSchema.safeParse(body);
    if (!parsed.success) throw schemaError('the plaintext infer request is malformed', parsed.error);
    ctx.note.clientId = parsed.data.id;
    const rows = plaintextRows(parsed.data.inputs);
    ctx.note.rows = rows;
    if (rows > this.layout.maxRows) throw new TfeError('E_SHAPE', `the request has ${rows} rows, more than the ${this.layout.maxRows} one request may have here`);
    this.checkReady();
    ctx.admit?.(rows);
    return hook(parsed.data);
  }

  private async inferEncrypted(body: unknown, ctx: InferContext): Promise<EncryptedInferResponse> {
    const l = this.layout;
    const req = checkEncryptedRequest(body, l);
    ctx.note.clientId = req.id;
    ctx.note.rows = req.rows;
    this.checkReady();
    ctx.admit?.(req.rows);
    const aad = await requestHash(req.header, this.suite);
    const own = req.envelopes.get(this.leader) as Uint8Array;
    const opened = await openRequest(this.suite, this.key, { planId: l.planId, role: this.leader, aad, rows: req.rows, rowWords: l.inRowWords }, own);
    const sealed = new Map<Role, Uint8Array>();
    for (const r of this.others) sealed.set(r, req.envelopes.get(r) as Uint8Array);
    const served = await this.batcher.submit(req.rows, { request: { rows: req.rows, own: opened.words, sealed, aad }, response: opened.response });
    Object.assign(ctx.note, { batchRows: served.batchRows, batchSize: served.batchSize, queueMs: served.queueMs, sessionMs: served.value.sessionMs });
    const mine = await sealResponse(this.suite, opened.response, { rows: req.rows, rowWords: l.outRowWords }, served.value.result.own);
    const outputs = l.holders.map((role) => {
      const wire = role === this.leader ? mine : (served.value.result.sealed.get(role) as Uint8Array);
      return { name: role, datatype: 'BYTES' as const, shape: [1] as [1], data: [toBase64(wire)] as [string] };
    });
    const answer: EncryptedInferResponse = {
      model_name: this.name,
      model_version: planVersion(this.plan),
      parameters: {
        tfe: {
          version: SERVE_VERSION,
          rows: req.rows,
          batch_rows: served.batchRows,
          batch_size: served.batchSize,
          queue_ms: round3(served.queueMs),
          session_ms: round3(served.value.sessionMs),
          rounds: served.value.rounds,
          bytes: { ...served.value.bytes },
        },
      },
      outputs,
    };
    return req.id === undefined ? answer : { ...answer, id: req.id };
  }

  /** The batcher's runner: one served session for the batch, then each request's result checked. */
  private async runBatch(b: Batch<Queued>): Promise<readonly ItemOutcome<Done>[]> {
    const outcome = await this.compute.serve({ requests: b.items.map((i) => i.payload.request), padTo: b.size });
    if (outcome.results.length !== b.items.length) {
      throw new TfeError('E_PROTOCOL', `the served session answered ${outcome.results.length} request(s) of a batch of ${b.items.length}`);
    }
    return outcome.results.map((result, i): ItemOutcome<Done> => {
      const rows = b.items[i].rows;
      const wantOwn = rows * this.layout.outRowWords;
      if (result.own.length !== wantOwn) {
        return { ok: false, error: new TfeError('E_PROTOCOL', `the served session gave ${this.leader} ${result.own.length} output words for a request of ${rows} row(s), expected ${wantOwn}`) };
      }
      for (const role of this.others) {
        const s = result.sealed.get(role);
        if (s === undefined) return { ok: false, error: new TfeError('E_PROTOCOL', `the served session brought no answer from ${role} for this request`) };
        if (!(s instanceof Uint8Array)) {
          const code = s.code === 'E_SHAPE' ? 'E_SHAPE' : 'E_CIPHERTEXT';
          return { ok: false, error: new TfeError(code, `the share for ${role} was refused by ${role}: ${s.message}`, "seal each share to its role's key from GET /v2/models/NAME, with this plan id and header") };
        }
      }
      return { ok: true, value: { result, sessionMs: outcome.sessionMs, rounds: outcome.rounds, bytes: outcome.bytes } };
    });
  }
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
