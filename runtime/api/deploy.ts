/**
 * Deployments in code, as the CLI makes and runs them (runtime/deploy/*): `deployInit`
 * writes a deployment's config, CA and certificates (`tfe deploy init`); `startParty`
 * runs a compute or dealer role in this process until stopped (`tfe party server0`);
 * `runParty` runs an input or output role once (`tfe party client`, `tfe party alice`):
 * the weights' owner shares its weights, a provider provides its inputs, a receiver gets
 * the outputs revealed to it. Each call is one role; a deployment is one call per role,
 * in the same process or (as in production) each in its own.
 */
import { join } from 'node:path';
import { TfeError } from '../../src/errors.js';
import type { Weights } from '../../src/plan/index.js';
import { DEPLOYMENT_FILE } from '../deploy/init.js';
import { roleContext, runInputRole, startServerRole, type RoleSource, type RunningServer, type ServerRoleOptions } from '../deploy/run-role.js';
import { tensorsOfRole } from './inputs.js';
import { runOutputs, type InputsOf, type RunOutputs } from './types.js';

export type { RunningServer, ServerRoleOptions } from '../deploy/run-role.js';

export interface DeployInitOptions {
  /** The folder to write deployment.json, ca.pem, ca.key and each role's key and certificate to (never overwritten). */
  readonly dir: string;
  /** The plan directory (`tfe compile -o DIR`, `writePlanDir`). */
  readonly plan: string;
  /** Where each listening role listens (`{ server0: '10.0.0.1:4000' }`); others get a free port on 127.0.0.1. */
  readonly hosts?: Readonly<Record<string, string>>;
}

/** `tfe deploy init`: resolves to the path of deployment.json and every file written. */
export async function deployInit(o: DeployInitOptions): Promise<{ deployment: string; files: string[] }> {
  if (o === null || typeof o !== 'object' || typeof o.dir !== 'string' || typeof o.plan !== 'string') {
    throw new TfeError('E_ARG', 'deployInit: expected { dir, plan } (the folder to write, and the plan directory)');
  }
  // imported here: the certificate library takes most of a second to load
  const { initDeployment } = await import('../deploy/init.js');
  const files = await initDeployment({ dir: o.dir, planDir: o.plan, hosts: Object.entries(o.hosts ?? {}).map(([r, h]) => `${r}=${h}`) });
  return { deployment: join(o.dir, DEPLOYMENT_FILE), files };
}

/** Starts compute or dealer role `role` of a deployment in this process; resolves once it listens. Call `stop()` to end it. */
export function startParty(role: string, o: ServerRoleOptions): Promise<RunningServer> {
  return startServerRole(role, o);
}

export interface RunPartyOptions extends RoleSource {
  /** This role's inputs by name (a role that provides inputs), in runLocal's forms. */
  readonly inputs?: InputsOf;
  /** The weights' owner's weights: weights.bin's path (weights.json beside it) or the weights (default: the plan directory's). */
  readonly weights?: string | Weights;
  /** The weights' owner consents to a plan compiled with --public-weights. */
  readonly publicWeights?: boolean;
  /** Examples per session for a model's client (default from the plan). */
  readonly chunk?: number;
  /**
   * A prediction with several participants: the id its participants agreed on (any 1-64 of
   * A-Z a-z 0-9 . _ : -), so that predictions of the same roles that run at once pair by job,
   * not by arrival (default: none; the leader pairs the oldest request of each role).
   */
  readonly job?: string;
}

/**
 * Runs input or output role `role` once: shares the weights if it owns them, then takes
 * part in one prediction if it provides inputs or receives outputs. Resolves to the
 * outputs revealed to it ({} for a role that only shares weights or only provides inputs).
 */
export async function runParty(role: string, o: RunPartyOptions): Promise<RunOutputs> {
  const ctx = roleContext(role, o);
  const mine = ctx.plan.inputs.filter((b) => b.provider === role);
  const inputs = o.inputs !== undefined && (mine.length > 0 || Object.keys(o.inputs).length > 0) ? tensorsOfRole(ctx.plan, role, o.inputs) : undefined;
  const { inputs: _given, ...rest } = o;
  const r = await runInputRole(role, { ...rest, plan: o.plan ?? ctx.plan, ...(inputs ? { inputs } : {}) });
  return r.prediction ? runOutputs(role, r.prediction.outputs) : {};
}
