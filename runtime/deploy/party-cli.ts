/**
 * `tfe party ROLE --deployment FILE` (one role of a deployment as this process) and
 * `tfe up PLAN_DIR --input FILE` (a throwaway loopback deployment of child processes,
 * one per role, for one prediction).
 *
 * Servers and the dealer serve session after session until SIGTERM (or SIGINT); the
 * model owner shares its weights and exits; the client runs one prediction, prints it
 * as `tfe run` does (less what a client cannot observe: no plaintext check, and the
 * servers' bytes as they report them) and exits. Errors of the one-shot roles exit
 * with code 2 and name the peer, the step and the cause.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { TfeError } from '../../src/errors.js';
import { checkWeights, DEFAULT_PLAN_LIMITS, maxFramePayload, verifyPlan } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { shareholders } from '../../src/protocols/spec.js';
import { classNamesFor } from '../output/labels.js';
import { predictionJson, predictionText } from '../output/print.js';
import { FRAME_HEADER_BYTES } from '../transport/frame.js';
import { readInputFile } from '../io/inputs.js';
import { readPlanFile, readWeightsFiles } from '../party/files.js';
import { chunkSize, DEPLOYED_CHUNK_BUDGET_BYTES, predictInChunks } from '../party/chunks.js';
import { encodeInputs, predictionOf, type FloatTensor, type Prediction } from '../party/prediction-io.js';
import { weightEnv } from '../party/weights-env.js';
import { defaultBackend } from '../ring/index.js';
import { chunkOption } from '../cli-options.js';
import { childError, spawnParty, stopChildren, type PartyChild } from './children.js';
import { checkPlanMatches, readDeployment } from './config.js';
import { startRole, type RunningRole } from './party.js';
import { tlsNetwork } from './tls-network.js';
import { addHttpFlags } from '../serve/http-flags.js';
import type { PartyHttpOptions } from '../serve/party-http.js';

export interface PartyIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The largest batch a session may have: the same limit the plan verifier checks declared bytes at. */
const MAX_BATCH = DEFAULT_PLAN_LIMITS.maxBatch;

/** Resolves when the process is asked to stop (SIGTERM, SIGINT, or its parent's pipe closing under `tfe up`). */
function stopSignal(): Promise<string> {
  return new Promise((res) => {
    process.once('SIGTERM', () => res('SIGTERM'));
    process.once('SIGINT', () => res('SIGINT'));
    if (process.env.TFE_EXIT_WITH_PARENT === '1') {
      process.stdin.on('end', () => res('parent exited'));
      process.stdin.on('error', () => res('parent exited'));
      process.stdin.resume();
    }
  });
}

async function runPartyRole(role: string, o: PartyOptions, io: PartyIo): Promise<void> {
  const dep = readDeployment(o.deployment);
  const planDir = o.plan !== undefined ? resolve(o.plan) : dep.plan;
  const plan = readPlanFile(planDir);
  verifyPlan(plan);
  checkPlanMatches(dep, plan, join(planDir, 'plan.json'));
  const decl = plan.roles.find((r) => r.name === role);
  if (!decl) throw new TfeError('E_ARG', `the plan has no role '${role}'`, `roles: ${plan.roles.map((r) => r.name).join(', ')}`);
  const net = tlsNetwork(dep, role, plan.planId, maxFramePayload(plan, MAX_BATCH) + FRAME_HEADER_BYTES);
  const log = (line: string): void => io.err(`[${role}] ${line}\n`);
  const ring = defaultBackend();
  const holders = shareholders(protocolSpec(plan.protocol));
  const me = dep.roles.find((r) => r.name === role);
  if (o.http !== undefined && role !== holders[0]) throw new TfeError('E_ARG', `--http is for the leader (${holders[0]}), not ${role}`, `run: tfe party ${holders[0]} --deployment FILE --http HOST:PORT`);
  // a shareholder with an HPKE key (tfe deploy init writes one) can take served predictions
  const serve = o.http !== undefined ? await import('../serve/party-http.js') : undefined;
  const identity = holders.includes(role) && (me?.hpkeKey !== undefined || o.http !== undefined)
    ? (await import('../serve/identity.js')).loadServeIdentity(requireRole(me, role), plan.planId)
    : undefined;
  const running: RunningRole = await startRole({ plan, role, net, ring, receiveTimeoutMs: dep.timeouts.receiveMs, maxBatch: MAX_BATCH, log, ...(identity ? { hpke: identity } : {}) });
  try {
    if (decl.kind === 'compute' || decl.kind === 'dealer') {
      log(`${decl.kind} role of plan ${plan.planId.slice(0, 12)} listening on ${me?.listen ?? '(nothing)'}; stop with SIGTERM`);
      const http = serve && identity && running.compute
        ? await serve.startPartyHttp({ o, compute: running.compute, plan, planDir, identity, caFile: dep.ca, io, log })
        : undefined;
      const why = await stopSignal();
      log(`stopping (${why})`);
      if (http) await serve?.stopPartyHttp(http, o, log);
      // the parent's pipe was only watched to stop with it: let the process exit
      if (process.env.TFE_EXIT_WITH_PARENT === '1') process.stdin.destroy();
      return;
    }
    // input roles talk to the share-holding servers only (not to securenn's helper server2)
    const computes = shareholders(protocolSpec(plan.protocol));
    await running.connected(computes, dep.timeouts.connectMs);
    const input = running.input;
    if (!input) throw new TfeError('E_ARG', `role '${role}' is of kind ${decl.kind}`);
    if (plan.weights.some((w) => w.owner === role)) {
      // the weights' owner: share them once, then leave
      const wdir = o.weights !== undefined ? dirname(resolve(o.weights)) : planDir;
      const weights = readWeightsFiles(wdir);
      checkWeights(plan, weights);
      const t0 = performance.now();
      const r = await input.session('setup', 1, weightEnv(plan, weights, role, o.publicWeights === true));
      const n = plan.setupSteps.filter((s) => s.kernel === 'share').length;
      if (o.json) io.out(`${JSON.stringify({ role, setup: 'done', shared_tensors: n, ms: performance.now() - t0, rounds: r.rounds, bytes: r.bytes })}\n`);
      else io.out(`${role}: shared ${n} weight tensors with ${computes.join(' and ')} in ${(performance.now() - t0).toFixed(1)} ms; the servers keep their shares\n`);
      return;
    }
    if (o.input === undefined) throw new TfeError('E_ARG', `${role} provides inputs: give --input FILE`);
    const inputs = readInputFile(o.input, plan.inputs, { resize: o.resize === true });
    // a batch above the chunk runs as consecutive sessions, as in a local run (runtime/party/chunks.ts)
    const one = async (x: Readonly<Record<string, FloatTensor>>): Promise<Prediction> => {
      const t0 = performance.now();
      const { provider, env, batch } = encodeInputs(plan, x);
      if (provider !== role) throw new TfeError('E_ARG', `the plan's inputs come from ${provider}, not ${role}`);
      return predictionOf(plan, role, await input.session('predict', batch, env), batch, t0);
    };
    const p = await predictInChunks(plan, inputs, chunkSize(plan, o.chunk, MAX_BATCH, DEPLOYED_CHUNK_BUDGET_BYTES), one, (x) => void encodeInputs(plan, x));
    const names = classNamesFor(planDir, o.labels);
    io.out(o.json ? `${JSON.stringify(predictionJson(p, names))}\n` : predictionText(plan, p, names));
  } finally {
    await running.stop();
  }
}

function requireRole<T>(r: T | undefined, role: string): T {
  if (r === undefined) throw new TfeError('E_ARG', `the deployment has no role '${role}'`);
  return r;
}

/** The role's options; the leader's HTTP ones (--http, --http-cert, --http-key, service flags) are party-http.ts's. */
export interface PartyOptions extends PartyHttpOptions {
  readonly deployment: string;
  readonly plan?: string;
  readonly weights?: string;
  readonly input?: string;
  readonly resize?: boolean;
  readonly json?: boolean;
  readonly labels?: string;
  readonly publicWeights?: boolean;
  readonly chunk?: number;
}

export function partyCommand(io: PartyIo): Command {
  const cmd = new Command('party')
    .description('run ONE role of a deployment as this process (servers and the dealer serve until SIGTERM; the model owner shares its weights and exits; the client runs one prediction)')
    .argument('<ROLE>', 'the role: server0, server1, dealer, model-owner, client (the plan\'s roles)')
    .requiredOption('--deployment <FILE>', 'deployment.json written by `tfe deploy init`')
    .option('--plan <DIR>', 'the plan directory (default: the one deployment.json names)')
    .option('--weights <FILE>', 'the model owner\'s weights.bin (its weights.json beside it; default: in the plan directory)')
    .option('--input <FILE>', 'the client\'s input: .npy, .json or .png, as for `tfe run`')
    .addOption(new Option('--resize', 'resize a .png input to the model\'s height and width').default(false))
    .option('--labels <FILE>', 'class names, one per line (default: labels.txt in the plan directory if present)')
    .addOption(new Option('--json', 'print machine-readable JSON').default(false))
    .addOption(new Option('--public-weights', 'the model owner consents to a plan that sends its weights to the servers in the clear (compiled with --public-weights)').default(false))
    .addOption(chunkOption())
    .option('--http <HOST:PORT>', 'the leader (server0) also serves the HTTP prediction API there (Open Inference Protocol v2 routes; see the README)')
    .option('--http-cert <FILE>', 'serve the API over HTTPS with this certificate (PEM; with --http-key)')
    .option('--http-key <FILE>', 'the HTTPS private key (PEM)');
  addHttpFlags(cmd);
  return cmd.action(async (role: string, o: PartyOptions) => runPartyRole(role, o, io));
}

export function upCommand(io: PartyIo): Command {
  return new Command('up')
    .description('one command for a machine: a throwaway loopback deployment (every role a child process over mutual TLS), one prediction, no process left behind')
    .argument('<PLAN_DIR>', 'directory written by `tfe compile MODEL -o DIR`')
    .requiredOption('--input <FILE>', 'the client\'s input: .npy, .json or .png')
    .addOption(new Option('--resize', 'resize a .png input to the model\'s height and width').default(false))
    .addOption(new Option('--json', 'print machine-readable JSON').default(false))
    .addOption(new Option('--public-weights', 'the model owner consents to a plan that sends its weights to the servers in the clear').default(false))
    .action(async (planDir: string, o: { input: string; resize: boolean; json: boolean; publicWeights: boolean }) => {
      const plan = readPlanFile(planDir);
      const dir = mkdtempSync(join(tmpdir(), 'tfe-up-'));
      const children: PartyChild[] = [];
      try {
        // imported here: the certificate library takes most of a second to load, which
        // `tfe party` processes (they only read certificates) should not pay
        const { initDeployment } = await import('./init.js');
        await initDeployment({ dir, planDir: resolve(planDir), hosts: [] });
        const depFile = join(dir, 'deployment.json');
        for (const r of plan.roles.filter((x) => x.kind === 'compute' || x.kind === 'dealer')) children.push(spawnParty(r.name, ['--deployment', depFile], true));
        const owners = [...new Set(plan.weights.map((w) => w.owner))];
        for (const owner of owners) {
          const c = spawnParty(owner, ['--deployment', depFile, ...(o.publicWeights ? ['--public-weights'] : [])], false);
          children.push(c);
          const code = await c.exited;
          if (code !== 0) throw childError(c, owner, code);
        }
        const clientRole = plan.inputs[0].provider;
        const c = spawnParty(clientRole, ['--deployment', depFile, '--input', resolve(o.input), ...(o.resize ? ['--resize'] : []), ...(o.json ? ['--json'] : [])], false);
        children.push(c);
        const code = await c.exited;
        if (code !== 0) throw childError(c, clientRole, code);
        io.out(c.stdout);
      } finally {
        await stopChildren(children);
        rmSync(dir, { recursive: true, force: true });
      }
    });
}
