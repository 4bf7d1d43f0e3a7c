/**
 * `tfe party ROLE --deployment FILE` (one role of a deployment as this process) and
 * `tfe up PLAN_DIR --input FILE` (a throwaway loopback deployment of child processes,
 * one per role, for one prediction). The roles themselves are run by run-role.ts (the
 * same functions the API's startParty / runParty call) and the throwaway deployment by
 * up.ts (the API's up()); this file reads the command line and prints.
 *
 * Servers and the dealer serve session after session until SIGTERM (or SIGINT); the
 * weights' owner shares its weights (and exits unless it also takes part in
 * predictions); an input role reads `--input FILE` holding only its own inputs, an
 * output-only role needs none; each participant prints what it observes as `tfe run`
 * does (less what it cannot observe: no plaintext check, and the servers' bytes as they
 * report them). Errors of the one-shot roles exit with code 2 and name the peer, the
 * step and the cause.
 */
import { Command, Option } from 'commander';
import { TfeError } from '../../src/errors.js';
import { inputProviders, type Plan } from '../../src/plan/index.js';
import { classNamesFor } from '../output/labels.js';
import { predictionJson, predictionText } from '../output/print.js';
import { readInputFile } from '../io/inputs.js';
import { runOutputs } from '../api/types.js';
import type { FloatTensor } from '../party/prediction-io.js';
import { chunkOption } from '../cli-options.js';
import { inputsOfRole, roleContext, runInputRole, startServerRole, type InputRoleResult } from './run-role.js';
import { runUp } from './up.js';
import { loadPlanOnly } from '../api/load-plan.js';
import { addHttpFlags } from '../serve/http-flags.js';
import type { PartyHttpOptions } from '../serve/party-http.js';

export interface PartyIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

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

/** What an input or output role prints: the setup line, then the prediction it observed. */
function printInputRole(plan: Plan, planDir: string, r: InputRoleResult, o: PartyOptions, io: PartyIo): void {
  const { role } = r;
  const s = r.setup;
  if (s) {
    if (o.json) io.out(`${JSON.stringify({ role, setup: 'done', shared_tensors: s.sharedTensors, ms: s.ms, rounds: s.rounds, bytes: s.bytes })}\n`);
    else io.out(`${role}: shared ${s.sharedTensors} weight tensors with ${r.servers.join(' and ')} in ${s.ms.toFixed(1)} ms; the servers keep their shares\n`);
  }
  const p = r.prediction;
  if (!p) return;
  const names = classNamesFor(planDir, o.labels);
  const receives = plan.outputs.some((b) => b.receiver === role);
  // `result`: the outputs revealed to this role in the API's format (runLocal's), which up() reads
  if (o.json) io.out(`${JSON.stringify(predictionJson(p, names, { role, result: runOutputs(role, p.outputs) }))}\n`);
  else io.out(`${receives ? '' : `${role}: provided its inputs; no output of this plan is revealed to ${role}\n`}${predictionText(plan, p, names)}`);
}

async function runPartyRole(role: string, o: PartyOptions, io: PartyIo): Promise<void> {
  const log = (line: string): void => io.err(`[${role}] ${line}\n`);
  const ctx = roleContext(role, o);
  const { plan, decl } = ctx;
  if (decl.kind === 'compute' || decl.kind === 'dealer') {
    const server = await startServerRole(role, { ...o, log, out: io.out });
    log('serving; stop with SIGTERM');
    const why = await stopSignal();
    log(`stopping (${why})`);
    await server.stop();
    // the parent's pipe was only watched to stop with it: let the process exit
    if (process.env.TFE_EXIT_WITH_PARENT === '1') process.stdin.destroy();
    return;
  }
  const mine = inputsOfRole(plan, role);
  if (o.input !== undefined && mine.length === 0) {
    const providers = inputProviders(plan);
    throw new TfeError('E_ARG', `--input: role '${role}' provides no inputs of this plan`, `the inputs come from ${providers.join(', ')}: give --input to ${providers.length > 1 ? 'those roles' : 'that role'}`);
  }
  let inputs: Record<string, FloatTensor> | undefined;
  if (o.input !== undefined) {
    try {
      inputs = readInputFile(o.input, mine, { resize: o.resize === true });
    } catch (e) {
      // say what this role provides: a file of another role's inputs is the likely mistake
      if (e instanceof TfeError && mine.length < plan.inputs.length) throw new TfeError(e.code, e.message, e.hint ?? `${role} provides ${mine.map((b) => `'${b.name}'`).join(', ')}`);
      throw e;
    }
  }
  const r = await runInputRole(role, { ...o, log, ...(inputs ? { inputs } : {}) });
  printInputRole(plan, ctx.planDir, r, o, io);
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
  readonly job?: string;
}

export function partyCommand(io: PartyIo): Command {
  const cmd = new Command('party')
    .description('run ONE role of a deployment as this process (servers and the dealer serve until SIGTERM; the weights\' owner shares its weights; each input or output role takes part in one prediction)')
    .argument('<ROLE>', 'a role of the plan: server0, server1, dealer (or server2), and its input and output roles (model-owner and client for a model; a program\'s own names)')
    .requiredOption('--deployment <FILE>', 'deployment.json written by `tfe deploy init`')
    .option('--plan <DIR>', 'the plan directory (default: the one deployment.json names)')
    .option('--weights <FILE>', 'the weights\' owner\'s weights.bin (its weights.json beside it; default: in the plan directory)')
    .option('--input <FILE>', 'this role\'s inputs (only its own): .npy, .json or .png, as for `tfe run`; an output-only role takes none')
    .addOption(new Option('--resize', 'resize a .png input to the model\'s height and width').default(false))
    .option('--labels <FILE>', 'class names, one per line (default: labels.txt in the plan directory if present)')
    .addOption(new Option('--json', 'print machine-readable JSON').default(false))
    .addOption(new Option('--public-weights', 'the model owner consents to a plan that sends its weights to the servers in the clear (compiled with --public-weights)').default(false))
    .addOption(chunkOption())
    .option('--job <ID>', 'a prediction with several participants: the job id they all give, so that concurrent predictions of the same roles pair by job (default: the oldest request of each role)')
    .option('--http <HOST:PORT>', 'the leader (server0) also serves the HTTP prediction API there (Open Inference Protocol v2 routes; see the README)')
    .option('--http-cert <FILE>', 'serve the API over HTTPS with this certificate (PEM; with --http-key)')
    .option('--http-key <FILE>', 'the HTTPS private key (PEM)');
  addHttpFlags(cmd);
  return cmd.action(async (role: string, o: PartyOptions) => runPartyRole(role, o, io));
}

/**
 * The --input values of `tfe up` by role: `ROLE=FILE` (the role before the first '=' when
 * it names a role of the plan), or a bare FILE for a plan with one input role. A prefix
 * before '=' without '/' or '.' that names no role is E_ARG (write ./a=b.json for such a
 * file).
 */
export function upInputFiles(values: readonly string[], plan: Plan): Record<string, string> {
  const providers = inputProviders(plan);
  const roles = plan.roles.map((r) => r.name);
  const files: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const named = eq > 0 && roles.includes(v.slice(0, eq)) ? v.slice(0, eq) : undefined;
    // ROLE=FILE with a ROLE the plan lacks (a path's prefix holds '/' or '.': ./a=b.json is a file)
    if (named === undefined && eq > 0 && !/[/\\.]/.test(v.slice(0, eq))) {
      throw new TfeError('E_ARG', `--input ${v}: the plan has no role '${v.slice(0, eq)}'`, `input roles: ${providers.join(', ')}`);
    }
    const role = named ?? (providers.length === 1 ? providers[0] : undefined);
    if (role === undefined) throw new TfeError('E_ARG', `--input ${v}: this plan's inputs come from several roles (${providers.join(', ')})`, `give --input ROLE=FILE for each: ${providers.map((p) => `--input ${p}=FILE`).join(' ')}`);
    if (files[role] !== undefined) throw new TfeError('E_ARG', `--input: two files for role '${role}'`);
    files[role] = named !== undefined ? v.slice(eq + 1) : v;
  }
  return files;
}

export function upCommand(io: PartyIo): Command {
  return new Command('up')
    .description('one command for a machine: a throwaway loopback deployment (every role a child process over mutual TLS), one prediction, no process left behind')
    .argument('<PLAN_DIR>', 'directory written by `tfe compile MODEL -o DIR`')
    .option('--input <[ROLE=]FILE>', 'an input file (.npy, .json or .png); for a plan with several input roles, ROLE=FILE once per role', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addOption(new Option('--resize', 'resize a .png input to the model\'s height and width').default(false))
    .addOption(new Option('--json', 'print machine-readable JSON (several participants: one object { roles: { ROLE: ... } })').default(false))
    .addOption(new Option('--public-weights', 'the model owner consents to a plan that sends its weights to the servers in the clear').default(false))
    .action(async (planDir: string, o: { input: string[]; resize: boolean; json: boolean; publicWeights: boolean }) => {
      const plan = loadPlanOnly(planDir);
      if (o.input.length === 0) {
        const providers = inputProviders(plan);
        throw new TfeError('E_ARG', 'tfe up needs --input', providers.length > 1 ? `give ${providers.map((p) => `--input ${p}=FILE`).join(' ')}` : 'give --input FILE');
      }
      const out = await runUp({ planDir, inputFiles: upInputFiles(o.input, plan), json: o.json, resize: o.resize, publicWeights: o.publicWeights });
      if (out.length === 1) {
        io.out(out[0].stdout);
        return;
      }
      if (o.json) {
        const roles = Object.fromEntries(out.map((p) => [p.role, JSON.parse(p.stdout.trim().split('\n').pop() ?? '{}') as unknown]));
        io.out(`${JSON.stringify({ roles })}\n`);
        return;
      }
      io.out(out.map((p) => `== ${p.role} ==\n${p.stdout}`).join(''));
    });
}

