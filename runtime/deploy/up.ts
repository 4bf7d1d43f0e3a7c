/**
 * A throwaway loopback deployment for one prediction (`tfe up`, and the API's `up()`):
 * a fresh CA and certificates in a temporary folder, every role of the plan its own
 * child process (`tfe party ROLE`, children.ts) over TCP + mutual TLS 1.3 on 127.0.0.1:
 * the servers and the dealer first, then the weights' owner (it shares and exits), then
 * every participant of the prediction at once (each input role with its own input file,
 * each output-only role with none; each file is read here first, so a wrong one fails
 * before anything starts; the first participant that fails stops the rest). Resolves to what each participant printed; nothing
 * is left behind (children stopped, folder removed), whatever happens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TfeError } from '../../src/errors.js';
import { inputProviders, predictParticipants, verifyPlan } from '../../src/plan/index.js';
import { readPlanFile } from '../party/files.js';
import { readInputFile } from '../io/inputs.js';
import { childError, spawnParty, stopChildren, type PartyChild } from './children.js';

export interface UpOptions {
  readonly planDir: string;
  /** Each input role's input file (.npy, .json, .png), by role. */
  readonly inputFiles: Readonly<Record<string, string>>;
  readonly json?: boolean;
  readonly resize?: boolean;
  readonly publicWeights?: boolean;
  /** Extra `tfe party` flags for every participant (e.g. --labels). */
  readonly participantArgs?: readonly string[];
}

/** What one participant printed on stdout. */
export interface UpParticipant {
  readonly role: string;
  readonly stdout: string;
}

/** E_ARG unless `files` gives exactly the plan's input roles. */
export function checkInputRoles(providers: readonly string[], files: Readonly<Record<string, string>>, roles: readonly string[]): void {
  for (const r of Object.keys(files)) {
    if (!providers.includes(r)) {
      throw new TfeError('E_ARG', roles.includes(r) ? `--input ${r}=...: role '${r}' provides no inputs of this plan` : `--input ${r}=...: the plan has no role '${r}'`, `input roles: ${providers.join(', ')}`);
    }
  }
  for (const r of providers) {
    if (files[r] === undefined) throw new TfeError('E_ARG', `no input for role '${r}'`, `give --input ${r}=FILE${providers.length > 1 ? ` for each input role (${providers.join(', ')})` : ''}`);
  }
}

/** Runs the deployment and one prediction; resolves to each participant's output, in the plan's role order. */
export async function runUp(o: UpOptions): Promise<UpParticipant[]> {
  const planDir = resolve(o.planDir);
  const plan = readPlanFile(planDir);
  verifyPlan(plan);
  const providers = inputProviders(plan);
  checkInputRoles(providers, o.inputFiles, plan.roles.map((r) => r.name));
  const participants = predictParticipants(plan);
  // each role's file read now, in this process: a wrong file fails at once, naming the role
  for (const [role, file] of Object.entries(o.inputFiles)) {
    const mine = plan.inputs.filter((b) => b.provider === role);
    try {
      readInputFile(resolve(file), mine, { resize: o.resize === true });
    } catch (e) {
      // named as the role's own process would name it (`client: ...`)
      if (e instanceof TfeError) throw new TfeError(e.code, `${role}: ${e.message}`, e.hint ?? `${role} provides ${mine.map((b) => `'${b.name}'`).join(', ')}`);
      throw e;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'tfe-up-'));
  const children: PartyChild[] = [];
  try {
    // imported here: the certificate library takes most of a second to load, which
    // `tfe party` processes (they only read certificates) should not pay
    const { initDeployment } = await import('./init.js');
    await initDeployment({ dir, planDir, hosts: [] });
    const depFile = join(dir, 'deployment.json');
    for (const r of plan.roles.filter((x) => x.kind === 'compute' || x.kind === 'dealer')) children.push(spawnParty(r.name, ['--deployment', depFile], true));
    const pw = o.publicWeights ? ['--public-weights'] : [];
    const owners = [...new Set(plan.weights.map((w) => w.owner))];
    for (const owner of owners.filter((x) => !participants.includes(x))) {
      const c = spawnParty(owner, ['--deployment', depFile, ...pw], false);
      children.push(c);
      const code = await c.exited;
      if (code !== 0) throw childError(c, owner, code);
    }
    const started = participants.map((role) => {
      const file = o.inputFiles[role];
      const c = spawnParty(role, ['--deployment', depFile, ...(file !== undefined ? ['--input', resolve(file)] : []), ...(o.resize ? ['--resize'] : []), ...(o.json ? ['--json'] : []), ...(owners.includes(role) ? pw : []), ...(o.participantArgs ?? [])], false);
      children.push(c);
      return c;
    });
    // every participant's exit, or the first failure (the others would wait for it until their timeout)
    const codes = await new Promise<(number | undefined)[]>((res) => {
      const got: (number | undefined)[] = started.map(() => undefined);
      let left = started.length;
      started.forEach((c, i) => void c.exited.then((code) => {
        got[i] = code;
        if (code !== 0 || --left === 0) res(got);
      }));
    });
    // a child whose error is its own (not a peer's abort) first
    const failed = started.map((c, i) => ({ c, code: codes[i] })).filter((x): x is { c: PartyChild; code: number } => x.code !== undefined && x.code !== 0);
    if (failed.length) {
      const errs = failed.map((x) => childError(x.c, x.c.role, x.code));
      throw errs.find((e) => e.code !== 'E_TRANSPORT' && e.code !== 'E_PROTOCOL') ?? errs[0];
    }
    return started.map((c) => ({ role: c.role, stdout: c.stdout }));
  } finally {
    await stopChildren(children);
    rmSync(dir, { recursive: true, force: true });
  }
}
