/**
 * `tfe party server0 --http HOST:PORT`: starts the leader's prediction API beside its compute
 * party (leader.ts), prints `server0: serving NAME at URL` on stdout once it listens (what
 * `tfe serve` and the serve benchmark wait for), and on SIGTERM drains it: readiness turns
 * 503, queued and running requests finish within --drain-ms, then the process exits.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TfeError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/index.js';
import type { ComputeParty } from '../party/compute.js';
import { parseHostPort, planName, serviceFlags, type HttpFlagValues } from './http-flags.js';
import type { ServeIdentity } from './identity.js';
import { startLeaderHttp, type LeaderHttp } from './leader.js';

export interface PartyHttpOptions extends HttpFlagValues {
  readonly http?: string;
  readonly httpCert?: string;
  readonly httpKey?: string;
}

export interface PartyHttpArgs {
  readonly o: PartyHttpOptions;
  readonly compute: ComputeParty;
  readonly plan: Plan;
  readonly planDir: string;
  readonly identity: ServeIdentity;
  readonly caFile: string;
  readonly io: { readonly out: (text: string) => void };
  readonly log: (line: string) => void;
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(resolve(file), 'utf8');
  } catch (e) {
    throw new TfeError('E_IO', `cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

export async function startPartyHttp(a: PartyHttpArgs): Promise<LeaderHttp> {
  if (a.o.http === undefined) throw new TfeError('E_ARG', '--http HOST:PORT is missing');
  const { host, port } = parseHostPort(a.o.http);
  if ((a.o.httpCert === undefined) !== (a.o.httpKey === undefined)) throw new TfeError('E_ARG', '--http-cert and --http-key go together');
  const tls = a.o.httpCert !== undefined && a.o.httpKey !== undefined
    ? { cert: readPem(a.o.httpCert, 'the HTTPS certificate'), key: readPem(a.o.httpKey, 'the HTTPS key') }
    : undefined;
  const flags = serviceFlags(a.o);
  const name = flags.name ?? planName(a.planDir);
  const h = await startLeaderHttp({ compute: a.compute, plan: a.plan, planDir: a.planDir, name, identity: a.identity, caFile: a.caFile, host, port, flags, ...(tls ? { tls } : {}) });
  a.log(`HTTP prediction API on ${h.handle.url} (model ${name}${flags.apiKeysFile ? ', API keys required' : ''}${flags.allowPlaintext ? ', plaintext inputs ALLOWED' : ''})`);
  a.io.out(`server0: serving ${name} at ${h.modelUrl}\n`);
  return h;
}

export async function stopPartyHttp(h: LeaderHttp, o: PartyHttpOptions, log: (line: string) => void): Promise<void> {
  const ms = serviceFlags(o).drainMs;
  log(`draining the HTTP API (up to ${ms} ms)`);
  const r = await h.handle.drain(ms);
  log(r.complete ? 'drained: every request answered' : `drain timed out: ${r.refused} queued request(s) refused, ${r.running} batch(es) still running`);
}
