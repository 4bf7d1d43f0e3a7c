/**
 * `tfe serve PLAN_DIR --port P`: one machine, one command. A loopback deployment of child
 * processes as `tfe up` makes it (every role its own process over mutual TLS, keys made in
 * a throwaway directory), the model owner shares the weights and exits, and server0 (the
 * leader) serves the HTTP prediction API on 127.0.0.1:P until SIGINT/SIGTERM. On a stop
 * signal the leader is asked to drain first (requests in flight finish), then the other
 * roles stop; no process is left behind.
 *
 * Loopback only: no API key is needed (callers are on this machine) and the clients accept
 * the unauthenticated server keys with a warning. A real deployment runs
 * `tfe party server0 --deployment FILE --http HOST:PORT` on its own machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { TfeError } from '../../src/errors.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { shareholders } from '../../src/protocols/spec.js';
import { childError, spawnParty, stopChildren, type PartyChild } from '../deploy/children.js';
import { readPlanFile } from '../party/files.js';
import { addHttpFlags, httpFlagArgs, planName, serviceFlags, type HttpFlagValues } from './http-flags.js';

export interface ServeIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The line a leader prints on stdout once its HTTP API listens (parsed here and by the benchmark). */
export const SERVING_LINE = /serving (\S+) at (http:\/\/\S+)/;

/** How long `tfe serve` waits for the leader to be ready (setup included). */
const READY_TIMEOUT_MS = 120_000;

function stopped(): Promise<string> {
  return new Promise((res) => {
    process.once('SIGTERM', () => res('SIGTERM'));
    process.once('SIGINT', () => res('SIGINT'));
  });
}

/** Resolves with the model URL the leader printed, or rejects when it exits first. */
function leaderUrl(c: PartyChild, timeoutMs: number): Promise<string> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new TfeError('E_TIMEOUT', `server0 did not start serving within ${timeoutMs / 1000} s`, 'see its log lines above')), timeoutMs);
    const check = (): void => {
      const m = SERVING_LINE.exec(c.stdout);
      if (m) {
        clearTimeout(t);
        c.proc.stdout?.off('data', check);
        res(m[2]);
      }
    };
    c.proc.stdout?.on('data', check);
    void c.exited.then((code) => {
      clearTimeout(t);
      rej(childError(c, 'server0', code));
    });
    check();
  });
}

/** Polls GET /v2/health/ready until 200 (weights shared, keys known) or the deadline. */
async function waitReady(base: string, c: PartyChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (c.proc.exitCode !== null) throw childError(c, 'server0', c.proc.exitCode);
    try {
      const r = await fetch(`${base}/v2/health/ready`);
      if (r.status === 200) return;
      last = await r.text();
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new TfeError('E_TIMEOUT', `the service at ${base} was not ready within ${timeoutMs / 1000} s (${last.slice(0, 200)})`);
}

interface ServeOptions extends HttpFlagValues {
  readonly port: string;
  readonly publicWeights?: boolean;
}

export function serveCommand(io: ServeIo): Command {
  const cmd = new Command('serve')
    .description('serve private predictions over HTTP on this machine: a loopback deployment of child processes (as `tfe up`), the leader\'s API on 127.0.0.1:PORT')
    .argument('<PLAN_DIR>', 'directory written by `tfe compile MODEL -o DIR`')
    .requiredOption('--port <P>', 'the HTTP port on 127.0.0.1 (0 picks a free one; the URL is printed)')
    .option('--public-weights', 'the model owner consents to a plan that sends its weights to the servers in the clear');
  addHttpFlags(cmd);
  return cmd.action(async (planDir: string, o: ServeOptions) => {
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TfeError('E_ARG', `--port must be 0..65535, got '${o.port}'`);
    const flags = serviceFlags(o); // checked here, before any process starts
    const plan = readPlanFile(planDir);
    const leader = shareholders(protocolSpec(plan.protocol))[0];
    const dir = mkdtempSync(join(tmpdir(), 'tfe-serve-'));
    const children: PartyChild[] = [];
    let leaderChild: PartyChild | undefined;
    try {
      const { initDeployment } = await import('../deploy/init.js');
      await initDeployment({ dir, planDir: resolve(planDir), hosts: [] });
      const depFile = join(dir, 'deployment.json');
      const name = o.name ?? planName(resolve(planDir));
      for (const r of plan.roles.filter((x) => x.kind === 'compute' || x.kind === 'dealer')) {
        const extra = r.name === leader ? ['--http', `127.0.0.1:${port}`, ...httpFlagArgs({ ...o, name })] : [];
        const c = spawnParty(r.name, ['--deployment', depFile, ...extra], true);
        c.proc.stderr?.on('data', (d: Buffer) => io.err(d.toString()));
        children.push(c);
        if (r.name === leader) leaderChild = c;
      }
      if (!leaderChild) throw new TfeError('E_PLAN', `the plan has no role ${leader}`);
      const url = leaderUrl(leaderChild, READY_TIMEOUT_MS);
      url.catch(() => undefined);
      for (const owner of [...new Set(plan.weights.map((w) => w.owner))]) {
        const c = spawnParty(owner, ['--deployment', depFile, ...(o.publicWeights === true ? ['--public-weights'] : [])], false);
        children.push(c);
        const code = await c.exited;
        if (code !== 0) throw childError(c, owner, code);
      }
      const modelUrl = await url;
      await waitReady(new URL(modelUrl).origin, leaderChild, READY_TIMEOUT_MS);
      io.out(`serving ${name} at ${modelUrl}\n`);
      if (o.demo === true) io.out(`demo page: ${new URL(modelUrl).origin}/\n`);
      io.out(`predict with: tfe predict ${modelUrl} --input FILE   (stop with Ctrl-C)\n`);
      const why = await Promise.race([stopped(), leaderChild.exited.then((code) => `server0 exited with code ${code}`)]);
      io.err(`stopping (${why})\n`);
    } finally {
      // the leader first, so it drains its requests while the other roles still run
      if (leaderChild) await stopChildren([leaderChild], flags.drainMs + 5000);
      await stopChildren(children);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
