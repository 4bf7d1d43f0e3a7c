/**
 * Reading deployment.json (src/deploy/config.ts) from disk: paths resolved against
 * its folder, a role's TLS identity read from its files, and the check that a plan
 * is the one the deployment was made for. Errors name the file or the role.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDeployment, type Deployment, type DeploymentRole } from '../../src/deploy/config.js';
import { TfeError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/index.js';
import type { TlsIdentity } from '../transport/tls.js';

/** A deployment whose paths (plan, ca, every cert, key and HPKE key) are absolute. */
export interface LoadedDeployment extends Deployment {
  /** deployment.json itself, absolute. */
  readonly file: string;
  /** Its folder, which relative paths were resolved against. */
  readonly dir: string;
}

export function readText(path: string, what: string, hint?: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TfeError('E_IO', `cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message}`, hint);
  }
}

/** Reads and validates deployment.json, resolving its paths against its folder. */
export function readDeployment(file: string): LoadedDeployment {
  const abs = resolve(file);
  const text = readText(abs, 'the deployment', 'give the deployment.json written by `tfe deploy init`');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TfeError('E_ARG', `${abs} is not valid JSON: ${(e as Error).message}`);
  }
  const d = parseDeployment(json, abs);
  const dir = dirname(abs);
  const at = (p: string): string => resolve(dir, p);
  return { ...d, file: abs, dir, plan: at(d.plan), ca: at(d.ca), roles: d.roles.map((r) => ({ ...r, cert: at(r.cert), key: at(r.key), ...(r.hpkeKey === undefined ? {} : { hpkeKey: at(r.hpkeKey) }) })) };
}

/** The deployment's entry for `role`; E_ARG naming the roles it has. */
export function roleOf(dep: Deployment, role: string): DeploymentRole {
  const r = dep.roles.find((x) => x.name === role);
  if (!r) throw new TfeError('E_ARG', `the deployment has no role '${role}' (roles: ${dep.roles.map((x) => x.name).join(', ')})`);
  return r;
}

/** The TLS identity of `role`: the CA certificate, its certificate and its key, read from their files. */
export function identityOf(dep: LoadedDeployment, role: string): TlsIdentity {
  const r = roleOf(dep, role);
  const hint = `make it with \`tfe deploy init\` (or \`tfe deploy init --role ${role}\` and \`tfe deploy sign\`), beside ${dep.file}`;
  return {
    role,
    ca: readText(dep.ca, 'the deployment CA certificate', hint),
    cert: readText(r.cert, `the certificate of ${role}`, hint),
    key: readText(r.key, `the key of ${role}`, hint),
  };
}

/** E_PLAN unless `plan` is the plan the deployment was made for (same id, protocol and roles). */
export function checkPlanMatches(dep: Deployment, plan: Plan, planWhere: string): void {
  if (plan.planId !== dep.planId) {
    throw new TfeError('E_PLAN', `${planWhere} is plan ${plan.planId}, but the deployment was made for plan ${dep.planId}`,
      'use the plan named in deployment.json, or make a new deployment for this plan with `tfe deploy init`');
  }
  if (plan.protocol !== dep.protocol) throw new TfeError('E_PLAN', `${planWhere} uses protocol ${plan.protocol}, the deployment ${dep.protocol}`);
  const want = plan.roles.map((r) => `${r.name}:${r.kind}`).sort().join(', ');
  const have = dep.roles.map((r) => `${r.name}:${r.kind}`).sort().join(', ');
  if (want !== have) throw new TfeError('E_PLAN', `${planWhere} has roles ${want}, but the deployment has ${have}`);
}
