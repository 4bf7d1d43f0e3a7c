/**
 * deployment.json: where every role of one plan runs and which files hold its
 * credentials. Written by `tfe deploy init`, read by every party. Compute and dealer
 * roles listen (`listen` is HOST:PORT); input and output roles only dial out. Paths are
 * relative to the folder of deployment.json. The plan id binds the deployment to one
 * compiled plan: parties exchange it at connection and refuse a mismatch.
 *
 *     { "format": "tfe-deployment", "version": 1, "protocol": "pond", "planId": "...",
 *       "plan": "../model", "ca": "ca.pem",
 *       "roles": [ { "name": "server0", "kind": "compute", "listen": "127.0.0.1:40123",
 *                    "cert": "server0.pem", "key": "server0.key", "hpkeKey": "server0.hpke.key" }, ... ],
 *       "timeouts": { "connectMs": 10000, "receiveMs": 30000 } }
 */
import { z } from 'zod';
import { TfeError } from '../errors.js';
import { RoleDeclSchema } from '../plan/schema.js';
import { PROTOCOLS } from '../protocols/registry.js';

export const DEPLOYMENT_FORMAT = 'tfe-deployment';
export const DEPLOYMENT_VERSION = 1;
/** How long a dialer retries a peer that is not listening yet (issue 10: 10 s). */
export const DEFAULT_CONNECT_MS = 10_000;
/** How long a party waits for any one message (issue 10: 30 s). */
export const DEFAULT_RECEIVE_MS = 30_000;

/** HOST:PORT, the host a name, an IPv4 address or a bracketed IPv6 address. */
const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$/;

/** Splits HOST:PORT (IPv6 hosts in brackets, returned without them); E_ARG naming `where` if malformed. */
export function splitAddress(address: string, where: string): { host: string; port: number } {
  const m = ADDRESS.exec(address);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new TfeError('E_ARG', `${where}: '${address}' is not HOST:PORT (a port from 1 to 65535; IPv6 hosts in brackets)`);
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  return { host, port };
}

const AddressSchema = z.string().refine((s) => {
  const m = ADDRESS.exec(s);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}, { message: 'not HOST:PORT (a port from 1 to 65535; IPv6 hosts in brackets)' });

const PathSchema = z.string().min(1);

export const DeploymentRoleSchema = RoleDeclSchema.extend({
  /** Where a compute or dealer role listens; absent for roles that only dial out. */
  listen: AddressSchema.optional(),
  /** The role's certificate (PEM) and private key (PKCS#8 PEM). */
  cert: PathSchema,
  key: PathSchema,
  /**
   * A shareholder's HPKE private key (X25519, PKCS#8 PEM) for the prediction service's
   * envelopes (issue 14); optional, so deployments written before it stay readable
   * (version 1), and absent for roles that hold no input shares.
   */
  hpkeKey: PathSchema.optional(),
});
export type DeploymentRole = z.infer<typeof DeploymentRoleSchema>;

export const DeploymentSchema = z.object({
  format: z.literal(DEPLOYMENT_FORMAT),
  version: z.literal(DEPLOYMENT_VERSION),
  protocol: z.string().refine((p) => PROTOCOLS.has(p), { message: `not a known protocol (known: ${[...PROTOCOLS.keys()].join(', ')})` }),
  /** The plan's planId: every party checks its plan.json against it and its peers'. */
  planId: z.string().min(8),
  /** The compiled plan's folder. */
  plan: PathSchema,
  /** The deployment CA's certificate, the only trust anchor. */
  ca: PathSchema,
  roles: z.array(DeploymentRoleSchema).min(3),
  timeouts: z.object({
    connectMs: z.number().int().positive().default(DEFAULT_CONNECT_MS),
    receiveMs: z.number().int().positive().default(DEFAULT_RECEIVE_MS),
  }).default({ connectMs: DEFAULT_CONNECT_MS, receiveMs: DEFAULT_RECEIVE_MS }),
}).superRefine((d, ctx) => {
  const seen = new Set<string>();
  const addresses = new Map<string, string>();
  d.roles.forEach((r, i) => {
    if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['roles', i, 'name'], message: `role '${r.name}' appears twice` });
    seen.add(r.name);
    const listens = r.kind === 'compute' || r.kind === 'dealer';
    if (listens && r.listen === undefined) ctx.addIssue({ code: 'custom', path: ['roles', i, 'listen'], message: `${r.kind} role '${r.name}' needs a listen address` });
    if (!listens && r.listen !== undefined) ctx.addIssue({ code: 'custom', path: ['roles', i, 'listen'], message: `${r.kind} role '${r.name}' only dials out and takes no listen address` });
    if (r.listen !== undefined) {
      const other = addresses.get(r.listen);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['roles', i, 'listen'], message: `roles '${other}' and '${r.name}' both listen on ${r.listen}` });
      addresses.set(r.listen, r.name);
    }
  });
});
export type Deployment = z.infer<typeof DeploymentSchema>;

/** Validates a parsed deployment.json; `where` names it in errors (E_ARG naming the first problem). */
export function parseDeployment(json: unknown, where = 'deployment.json'): Deployment {
  if (typeof json === 'object' && json !== null) {
    const o = json as { format?: unknown; version?: unknown };
    if (o.format !== DEPLOYMENT_FORMAT) throw new TfeError('E_ARG', `${where} is not a tfe deployment (format ${JSON.stringify(o.format)})`, 'give the deployment.json written by `tfe deploy init`');
    if (o.version !== DEPLOYMENT_VERSION) throw new TfeError('E_ARG', `${where} has deployment version ${JSON.stringify(o.version)}; this tfe reads version ${DEPLOYMENT_VERSION}`);
  }
  const r = DeploymentSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TfeError('E_ARG', `${where} fails the deployment schema at ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}
