/**
 * One role of a deployment, as a library: what `tfe party ROLE` runs and what the API's
 * `startParty` / `runParty` call (one implementation for both).
 *
 * - `startServerRole`: a compute or dealer role listens and serves session after session
 *   until `stop()` (the CLI calls it on SIGTERM); the leader may also serve the HTTP
 *   prediction API (`http`).
 * - `runInputRole`: an input or output role dials the share-holding servers, then: the
 *   weights' owner shares its weights once (setup); a participant of the plan's
 *   predictions (src/plan/participants.ts: a provider of inputs, a receiver of outputs)
 *   takes part in one prediction, providing its own inputs (only its bindings) and
 *   decoding the outputs revealed to it. A model's client does both in one role; a
 *   program's alice, bob and analyst are each their own role.
 *
 * The plan is read from the folder deployment.json names (or `plan`), verified, and must
 * be the one the deployment was made for; only the weights' owner reads weights.bin.
 */
import { dirname, join, resolve } from 'node:path';
import { TfeError } from '../../src/errors.js';
import { checkWeights, inputProviders, DEFAULT_PLAN_LIMITS, maxFramePayload, predictParticipants, verifyPlan, type Plan, type Weights } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { shareholders } from '../../src/protocols/spec.js';
import { JobId } from '../transport/control.js';
import { FRAME_HEADER_BYTES } from '../transport/frame.js';
import { readPlanFile, readWeightsFiles } from '../party/files.js';
import { chunkSize, DEPLOYED_CHUNK_BUDGET_BYTES, predictInChunks } from '../party/chunks.js';
import { encodeInputs, encodeInputsOf, predictionOf, type FloatTensor, type Prediction } from '../party/prediction-io.js';
import { weightEnv } from '../party/weights-env.js';
import { defaultBackend } from '../ring/index.js';
import type { RingBackend } from '../ring/backend.js';
import { checkPlanMatches, readDeployment, type LoadedDeployment } from './config.js';
import { startRole, type RunningRole } from './party.js';
import { tlsNetwork } from './tls-network.js';
import type { PartyHttpOptions } from '../serve/party-http.js';
import type { ServeIdentity } from '../serve/identity.js';

/** The largest batch a session may have: the same limit the plan verifier checks declared bytes at. */
export const MAX_BATCH = DEFAULT_PLAN_LIMITS.maxBatch;

/** What every role is started from. */
export interface RoleSource {
  /** deployment.json written by `tfe deploy init` (or `deployInit`). */
  readonly deployment: string;
  /** The plan: its directory, or the plan itself (default: the directory deployment.json names). */
  readonly plan?: string | Plan;
  /** The ring backend (default: the fastest available). */
  readonly ring?: RingBackend;
  /** One line per event (connections, sessions); default: none. */
  readonly log?: (line: string) => void;
}

/** A role of a deployment with its verified plan. */
export interface RoleContext {
  readonly role: string;
  readonly dep: LoadedDeployment;
  readonly plan: Plan;
  /** The plan's directory (labels.txt and the HTTP model name are read from it). */
  readonly planDir: string;
  readonly decl: Plan['roles'][number];
}

/** Reads the deployment and the plan, verifies the plan and checks that `role` is one of its roles. */
export function roleContext(role: string, src: RoleSource): RoleContext {
  const dep = readDeployment(src.deployment);
  const planDir = typeof src.plan === 'string' ? resolve(src.plan) : dep.plan;
  const plan = typeof src.plan === 'object' ? src.plan : readPlanFile(planDir);
  verifyPlan(plan);
  checkPlanMatches(dep, plan, typeof src.plan === 'object' ? 'the plan given' : join(planDir, 'plan.json'));
  const decl = plan.roles.find((r) => r.name === role);
  if (!decl) throw new TfeError('E_ARG', `the plan has no role '${role}'`, `roles: ${plan.roles.map((r) => `${r.name} (${r.kind})`).join(', ')}`);
  return { role, dep, plan, planDir, decl };
}

async function start(ctx: RoleContext, src: RoleSource, extra: { hpke?: boolean; http?: boolean }): Promise<{ running: RunningRole; identity: ServeIdentity | undefined }> {
  const { dep, plan, role } = ctx;
  const me = dep.roles.find((r) => r.name === role);
  const holders = shareholders(protocolSpec(plan.protocol));
  // a shareholder with an HPKE key (tfe deploy init writes one) can take served predictions
  const identity = extra.hpke && holders.includes(role) && (me?.hpkeKey !== undefined || extra.http)
    ? (await import('../serve/identity.js')).loadServeIdentity(requireRole(me, role), plan.planId)
    : undefined;
  const net = tlsNetwork(dep, role, plan.planId, maxFramePayload(plan, MAX_BATCH) + FRAME_HEADER_BYTES);
  const running = await startRole({
    plan, role, net, ring: src.ring ?? defaultBackend(), receiveTimeoutMs: dep.timeouts.receiveMs, maxBatch: MAX_BATCH,
    log: src.log ?? (() => undefined), ...(identity ? { hpke: identity } : {}),
  });
  return { running, identity };
}

function requireRole<T>(r: T | undefined, role: string): T {
  if (r === undefined) throw new TfeError('E_ARG', `the deployment has no role '${role}'`);
  return r;
}

/** A compute or dealer role's options (the leader's HTTP API options are party-http.ts's). */
export interface ServerRoleOptions extends RoleSource, PartyHttpOptions {
  /** Where the HTTP API prints `server0: serving NAME at URL` once it listens. */
  readonly out?: (text: string) => void;
}

/** A running compute or dealer role. */
export interface RunningServer {
  readonly role: string;
  /** The address it listens on (HOST:PORT from deployment.json). */
  readonly listen: string | undefined;
  /** The HTTP API's model URL, when the leader serves one. */
  readonly modelUrl?: string;
  /** Stops serving (the HTTP API drains first) and closes every link. */
  stop(): Promise<void>;
}

/** Starts compute or dealer role `role`; resolves once it listens. */
export async function startServerRole(role: string, o: ServerRoleOptions): Promise<RunningServer> {
  const ctx = roleContext(role, o);
  const { decl, dep, plan } = ctx;
  if (decl.kind !== 'compute' && decl.kind !== 'dealer') {
    throw new TfeError('E_ARG', `role '${role}' is an ${decl.kind} role, not a server`, `run it with runParty('${role}', ...) (tfe party ${role} runs either)`);
  }
  const holders = shareholders(protocolSpec(plan.protocol));
  if (o.http !== undefined && role !== holders[0]) throw new TfeError('E_ARG', `--http is for the leader (${holders[0]}), not ${role}`, `run: tfe party ${holders[0]} --deployment FILE --http HOST:PORT`);
  const serve = o.http !== undefined ? await import('../serve/party-http.js') : undefined;
  const { running, identity } = await start(ctx, o, { hpke: true, http: o.http !== undefined });
  const log = o.log ?? (() => undefined);
  const me = dep.roles.find((r) => r.name === role);
  log(`${decl.kind} role of plan ${plan.planId.slice(0, 12)} listening on ${me?.listen ?? '(nothing)'}`);
  let http: Awaited<ReturnType<NonNullable<typeof serve>['startPartyHttp']>> | undefined;
  try {
    http = serve && identity && running.compute
      ? await serve.startPartyHttp({ o, compute: running.compute, plan, planDir: ctx.planDir, identity, caFile: dep.ca, io: { out: o.out ?? (() => undefined) }, log })
      : undefined;
  } catch (e) {
    await running.stop();
    throw e;
  }
  let stopped: Promise<void> | undefined;
  return {
    role, listen: me?.listen, ...(http ? { modelUrl: http.modelUrl } : {}),
    stop(): Promise<void> {
      stopped ??= (async () => {
        if (http) await serve?.stopPartyHttp(http, o, log);
        await running.stop();
      })();
      return stopped;
    },
  };
}

/** An input or output role's options. */
export interface InputRoleOptions extends RoleSource {
  /** The weights' owner's weights: weights.bin (its weights.json beside it), or the weights themselves (default: in the plan directory). */
  readonly weights?: string | Weights;
  /** The weights' owner consents to a plan compiled with --public-weights. */
  readonly publicWeights?: boolean;
  /** This role's inputs by name (its own input bindings only), for a role that provides inputs. */
  readonly inputs?: Readonly<Record<string, FloatTensor>>;
  /** Examples per session (a one-role prediction only; default from the plan's declared bytes). */
  readonly chunk?: number;
  /**
   * A prediction with several participants: the id its participants agreed on (any 1-64 of
   * A-Z a-z 0-9 . _ : -), so that predictions of the same roles that run at once pair by job,
   * not by arrival (default: none; the leader pairs the oldest request of each role).
   */
  readonly job?: string;
}

/** `job` if it is a valid job id; E_ARG naming it otherwise. */
function checkJob(job: string): string {
  if (!JobId.safeParse(job).success) throw new TfeError('E_ARG', `job id ${JSON.stringify(job)}: expected 1 to 64 of A-Z a-z 0-9 . _ : -`);
  return job;
}

/** What the weights' owner did. */
export interface SetupReport {
  readonly sharedTensors: number;
  readonly ms: number;
  readonly rounds: number;
  readonly bytes: Record<string, number>;
}

/** What an input or output role did: shared the weights, took part in a prediction, or both. */
export interface InputRoleResult {
  readonly role: string;
  readonly setup?: SetupReport;
  /** The prediction as this role saw it; its outputs are the ones revealed to this role (none for a provider that receives nothing). */
  readonly prediction?: Prediction;
  /** The share-holding servers it talked to. */
  readonly servers: readonly string[];
}

/** The input bindings `role` provides. */
export function inputsOfRole(plan: Plan, role: string): Plan['inputs'] {
  return plan.inputs.filter((b) => b.provider === role);
}

/** Runs input or output role `role` once (see the file comment) and stops it. */
export async function runInputRole(role: string, o: InputRoleOptions): Promise<InputRoleResult> {
  const ctx = roleContext(role, o);
  const { plan, decl, dep } = ctx;
  if (decl.kind !== 'input' && decl.kind !== 'output') {
    throw new TfeError('E_ARG', `role '${role}' is a ${decl.kind} role: it serves until stopped`, `start it with startParty('${role}', ...) (tfe party ${role} runs either)`);
  }
  const owns = plan.weights.some((w) => w.owner === role);
  const participants = predictParticipants(plan);
  const takesPart = participants.includes(role);
  const mine = inputsOfRole(plan, role);
  if (!owns && !takesPart) throw new TfeError('E_ARG', `role '${role}' takes part in no session of this plan (it owns no weights, provides no inputs and receives no outputs)`);
  if (takesPart && mine.length > 0 && o.inputs === undefined) {
    throw new TfeError('E_ARG', `${role} provides inputs ${mine.map((b) => `'${b.name}'`).join(', ')}: give them`, `tfe party ${role} --input FILE (a file with ${role}'s inputs only), or runParty('${role}', { inputs })`);
  }
  if (o.inputs !== undefined && Object.keys(o.inputs).length > 0 && mine.length === 0) {
    const providers = inputProviders(plan);
    throw new TfeError('E_ARG', `${role} provides no inputs of this plan, but was given some`, `the inputs come from ${providers.join(', ')}`);
  }
  // check the inputs before connecting: a wrong input fails here, not in the middle of a session
  if (takesPart && o.inputs !== undefined) encodeInputsOf(plan, role, o.inputs);
  // read and check the weights before connecting too
  let weights: Weights | undefined;
  if (owns) {
    weights = typeof o.weights === 'object' ? o.weights : readWeightsFiles(o.weights !== undefined ? dirname(resolve(o.weights)) : ctx.planDir);
    checkWeights(plan, weights);
  }
  const { running } = await start(ctx, o, {});
  try {
    // input roles talk to the share-holding servers only (not to securenn's helper server2)
    const servers = shareholders(protocolSpec(plan.protocol));
    await running.connected(servers, dep.timeouts.connectMs);
    const input = running.input;
    if (!input) throw new TfeError('E_ARG', `role '${role}' is of kind ${decl.kind}`);
    let setup: SetupReport | undefined;
    if (weights) {
      const t0 = performance.now();
      const r = await input.session('setup', 1, weightEnv(plan, weights, role, o.publicWeights === true));
      setup = { sharedTensors: plan.setupSteps.filter((s) => s.kernel === 'share').length, ms: performance.now() - t0, rounds: r.rounds, bytes: r.bytes };
    }
    if (!takesPart) return { role, servers, ...(setup ? { setup } : {}) };
    const inputs = o.inputs ?? {};
    let prediction: Prediction;
    if (participants.length === 1 && mine.length === plan.inputs.length) {
      // the only participant (a model's client): a batch above the chunk runs as consecutive sessions, as in a local run
      const one = async (x: Readonly<Record<string, FloatTensor>>): Promise<Prediction> => {
        const t0 = performance.now();
        const { env, batch } = encodeInputs(plan, x);
        return predictionOf(plan, role, await input.session('predict', batch, env), batch, t0);
      };
      prediction = await predictInChunks(plan, inputs, chunkSize(plan, o.chunk, MAX_BATCH, DEPLOYED_CHUNK_BUDGET_BYTES), one, (x) => void encodeInputs(plan, x));
    } else {
      // one of several participants: one session with all of them; an output-only role asks for batch 0 (the providers' batch)
      const t0 = performance.now();
      const { env, batch } = encodeInputsOf(plan, role, inputs);
      const r = await input.session('predict', batch ?? 0, env, o.job !== undefined ? { job: checkJob(o.job) } : {});
      prediction = predictionOf(plan, role, r, r.batch, t0);
    }
    return { role, servers, prediction, ...(setup ? { setup } : {}) };
  } finally {
    await running.stop();
  }
}

