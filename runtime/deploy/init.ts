/**
 * Making a deployment's files (`tfe deploy init` and `tfe deploy sign`):
 *
 * - all on one machine: deployment.json, ca.pem + ca.key, and ROLE.key + ROLE.pem for
 *   every role of the plan, and ROLE.hpke.key (the X25519 key clients seal input shares
 *   to, issue 14) for every shareholder of the protocol (`shareholders(spec)`: server0
 *   and server1 under pond and securenn; securenn's server2 holds no shares);
 * - one key per organisation: the coordinator writes deployment.json + the CA
 *   (`--ca-only`), each organisation writes its own ROLE.key + ROLE.csr (`--role`,
 *   and ROLE.hpke.key for a shareholder)
 *   and sends only the request, and the coordinator signs it into ROLE.pem (`sign`).
 *   No organisation ever holds another's key.
 *
 * Servers and the dealer listen: by default on free ports of 127.0.0.1 (asked of the
 * OS), else where `--host ROLE=HOST:PORT` says. Keys are written with mode 0600, and
 * no existing file is ever overwritten (a key, once handed out, must not silently
 * change).
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { DEFAULT_CONNECT_MS, DEFAULT_RECEIVE_MS, parseDeployment, splitAddress, type Deployment } from '../../src/deploy/config.js';
import { TfeError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { shareholders } from '../../src/protocols/spec.js';
import { readPlanFile } from '../party/files.js';
import { makeCa, makeRoleCertificate, makeRoleRequest, signRequest } from './certs.js';
import { readDeployment, readText, roleOf } from './config.js';

export const DEPLOYMENT_FILE = 'deployment.json';
const CA_CERT = 'ca.pem';
const CA_KEY = 'ca.key';
const KEY_MODE = 0o600;

/** `n` distinct free TCP ports on `host`, held open together while asked for, so they differ. */
export async function freePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((res, rej) => {
        s.once('error', rej);
        s.listen(0, host, () => res());
      });
      const a = s.address();
      if (a === null || typeof a !== 'object') throw new TfeError('E_IO', `cannot find a free port on ${host}`);
      ports.push(a.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((res) => (s.listening ? s.close(() => res()) : res()))));
  }
}

const listens = (kind: string): boolean => kind === 'compute' || kind === 'dealer';

/** The file name of a role's HPKE private key. */
export const hpkeKeyFile = (role: string): string => `${role}.hpke.key`;

/** Whether `role` gets an HPKE key under `protocol`: it holds input shares of a served request. */
export function holdsShares(protocol: string, role: string): boolean {
  return shareholders(protocolSpec(protocol)).includes(role);
}

/** A new X25519 HPKE private key as PKCS#8 PEM (RFC 8410). */
function newHpkeKeyPem(): string {
  return generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Parses the --host options into role -> HOST:PORT, checking each names a listening role of the plan. */
export function parseHosts(hosts: readonly string[], plan: Plan): Map<string, string> {
  const out = new Map<string, string>();
  const listening = plan.roles.filter((r) => listens(r.kind)).map((r) => r.name);
  for (const h of hosts) {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new TfeError('E_ARG', `--host ${h}: expected ROLE=HOST:PORT`);
    const role = h.slice(0, eq);
    const address = h.slice(eq + 1);
    const decl = plan.roles.find((r) => r.name === role);
    if (!decl) throw new TfeError('E_ARG', `--host ${h}: the plan has no role '${role}' (roles: ${plan.roles.map((r) => r.name).join(', ')})`);
    if (!listens(decl.kind)) throw new TfeError('E_ARG', `--host ${h}: ${decl.kind} role '${role}' only dials out and listens nowhere`, `--host applies to ${listening.join(', ')}`);
    splitAddress(address, `--host ${h}`);
    if (out.has(role)) throw new TfeError('E_ARG', `--host given twice for ${role}`);
    out.set(role, address);
  }
  return out;
}

/** The deployment of `plan` with files in `dir`: hosts from --host, other listeners on free loopback ports. */
export async function planDeployment(plan: Plan, planDir: string, dir: string, hosts: Map<string, string>): Promise<Deployment> {
  const missing = plan.roles.filter((r) => listens(r.kind) && !hosts.has(r.name));
  const ports = await freePorts(missing.length);
  const listen = new Map(hosts);
  missing.forEach((r, i) => listen.set(r.name, `127.0.0.1:${ports[i]}`));
  const json = {
    format: 'tfe-deployment',
    version: 1,
    protocol: plan.protocol,
    planId: plan.planId,
    plan: relative(resolve(dir), resolve(planDir)).split('\\').join('/') || '.',
    ca: CA_CERT,
    roles: plan.roles.map((r) => ({
      name: r.name, kind: r.kind, ...(listens(r.kind) ? { listen: listen.get(r.name) } : {}), cert: `${r.name}.pem`, key: `${r.name}.key`,
      ...(holdsShares(plan.protocol, r.name) ? { hpkeKey: hpkeKeyFile(r.name) } : {}),
    })),
    timeouts: { connectMs: DEFAULT_CONNECT_MS, receiveMs: DEFAULT_RECEIVE_MS },
  };
  return parseDeployment(json, 'the new deployment');
}

/** E_IO unless none of `paths` exists (checked before anything is written). */
function checkAbsent(paths: readonly string[]): void {
  for (const p of paths) {
    if (existsSync(p)) throw new TfeError('E_IO', `${p} already exists; tfe never overwrites deployment files`, 'remove it, or choose another folder');
  }
}

function write(path: string, text: string, secret = false): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { flag: 'wx', mode: secret ? KEY_MODE : 0o644 });
    if (secret) chmodSync(path, KEY_MODE);
  } catch (e) {
    throw new TfeError('E_IO', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export interface InitOptions {
  readonly dir: string;
  readonly planDir: string;
  /** ROLE=HOST:PORT for listening roles. */
  readonly hosts: readonly string[];
  /** Write deployment.json and the CA only (the coordinator of a deployment across organisations). */
  readonly caOnly?: boolean;
}

/** `tfe deploy init DIR --plan PLAN_DIR [--host ...] [--ca-only]`; returns the files written. */
export async function initDeployment(o: InitOptions): Promise<string[]> {
  const plan = readPlanFile(o.planDir);
  const hosts = parseHosts(o.hosts, plan);
  const dir = resolve(o.dir);
  const dep = await planDeployment(plan, o.planDir, dir, hosts);
  const files = [join(dir, DEPLOYMENT_FILE), join(dir, CA_CERT), join(dir, CA_KEY)];
  const roleFiles = o.caOnly ? [] : dep.roles.flatMap((r) => [join(dir, r.key), join(dir, r.cert), ...(r.hpkeKey === undefined ? [] : [join(dir, r.hpkeKey)])]);
  checkAbsent([...files, ...roleFiles]);
  const ca = await makeCa(`tfe deployment CA for plan ${plan.planId}`);
  const roles = o.caOnly ? [] : await Promise.all(dep.roles.map(async (r) => ({ r, kc: await makeRoleCertificate(r.name, ca) })));
  write(join(dir, CA_KEY), ca.keyPem, true);
  write(join(dir, CA_CERT), ca.certPem);
  for (const { r, kc } of roles) {
    write(join(dir, r.key), kc.keyPem, true);
    write(join(dir, r.cert), kc.certPem);
    if (r.hpkeKey !== undefined) write(join(dir, r.hpkeKey), newHpkeKeyPem(), true);
  }
  write(join(dir, DEPLOYMENT_FILE), `${JSON.stringify(dep, null, 2)}\n`);
  return [...files, ...roleFiles];
}

/** `tfe deploy init DIR --plan PLAN_DIR --role ROLE`: writes DIR/ROLE.key and DIR/ROLE.csr only (and DIR/ROLE.hpke.key for a shareholder). */
export async function initRole(o: { dir: string; planDir: string; role: string }): Promise<string[]> {
  const plan = readPlanFile(o.planDir);
  if (!plan.roles.some((r) => r.name === o.role)) {
    throw new TfeError('E_ARG', `--role ${o.role}: the plan has no such role (roles: ${plan.roles.map((r) => r.name).join(', ')})`);
  }
  const dir = resolve(o.dir);
  const key = join(dir, `${o.role}.key`);
  const csr = join(dir, `${o.role}.csr`);
  const hpke = holdsShares(plan.protocol, o.role) ? join(dir, hpkeKeyFile(o.role)) : undefined;
  checkAbsent([key, csr, ...(hpke === undefined ? [] : [hpke])]);
  const req = await makeRoleRequest(o.role);
  write(key, req.keyPem, true);
  write(csr, req.csrPem);
  if (hpke !== undefined) write(hpke, newHpkeKeyPem(), true);
  return [key, csr, ...(hpke === undefined ? [] : [hpke])];
}

/** `tfe deploy sign ROLE.csr --deployment DIR/deployment.json`: writes the role's certificate beside the deployment. */
export async function signRoleRequest(o: { csr: string; deployment: string }): Promise<{ role: string; file: string }> {
  const dep = readDeployment(o.deployment);
  const csrPath = resolve(o.csr);
  const csrPem = readText(csrPath, 'the certificate request', 'give the ROLE.csr written by `tfe deploy init --role ROLE`');
  const caKeyPath = join(dep.dir, CA_KEY);
  const ca = { certPem: readText(dep.ca, 'the deployment CA certificate'), keyPem: readText(caKeyPath, 'the CA key', `sign on the machine that ran \`tfe deploy init --ca-only\` (it keeps ${CA_KEY} beside ${basename(dep.file)})`) };
  const { role, certPem } = await signRequest(csrPem, csrPath, dep.roles.map((r) => r.name), ca);
  const file = roleOf(dep, role).cert;
  checkAbsent([file]);
  write(file, certPem);
  return { role, file };
}
