/**
 * A securenn deployment (issue 13) as separate processes over TCP + mutual TLS on
 * 127.0.0.1: share-holders server0 and server1, and server2, SecureNN's helper, which
 * holds no shares and makes all correlated randomness (src/protocols/securenn.ts).
 * - `tfe up` on zoo net A starts five processes (server0, server1, server2, model-owner,
 *   client) and prints the class `tfe run` prints;
 * - `tfe party` from `tfe deploy init`: the client's prediction equals a local run's
 *   (runtime/party/executor.ts, all parties in one process) within 1e-3;
 * - input roles never connect to server2: the plan links them to the share-holders only,
 *   server2's log shows no input-role connection, and a connection made with the client's
 *   certificate straight to server2's address is refused there, naming the role;
 * - server2 killed: a prediction fails with an error naming server2;
 * - server2 restarted mid-deployment: the servers redial it, a new epoch of
 *   seeds starts, the leader takes bundles of the new epoch, and the next prediction is
 *   right again (the new helper has no weight masks: the servers re-mask the weights
 *   they hold with it, runtime/party/remask.ts, without the model owner).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { writePlanDir } from '../../compiler/plan/write.js';
import { zooModelPath, zooSamplePath } from '../../models/index.js';
import { identityOf, readDeployment } from '../../runtime/deploy/config.js';
import { linkPlan } from '../../runtime/deploy/party.js';
import { readInputFile } from '../../runtime/io/inputs.js';
import { PlanDeployment } from '../../runtime/party/executor.js';
import { connectTls } from '../../runtime/transport/tls.js';
import { splitAddress } from '../../src/deploy/config.js';
import { REPO_ROOT } from '../support/paths.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');

interface Done {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

interface Proc {
  readonly proc: ChildProcess;
  readonly done: Promise<Done>;
  /** stderr so far (a long-lived party's log). */
  log(): string;
}

function tfe(args: string[], env: Record<string, string> = {}): Proc {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<Done>((res) => proc.on('exit', (code) => res({ code: code ?? 1, out, err })));
  return { proc, done, log: () => err };
}

interface PredictionJson {
  outputs: Record<string, { values: number[] }>;
  bytes: Record<string, number>;
  dealer_bytes: number;
}

function lastJson(out: string): PredictionJson {
  return JSON.parse(out.trim().split('\n').pop() as string) as PredictionJson;
}

const argmax = (v: readonly number[]): number => v.indexOf(Math.max(...v));

/** Resolves once `p`'s log matches `re` (polled), or fails after `ms`. */
async function logMatches(p: Proc, re: RegExp, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!re.test(p.log())) {
    if (Date.now() - t0 > ms) assert.fail(`no ${re} within ${ms} ms in:\n${p.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a securenn deployment of zoo network A as processes over mutual TLS', () => {
  const root = mkdtempSync(join(tmpdir(), 'tfe-sn-deploy-test-'));
  const planDir = join(root, 'plan');
  const depDir = join(root, 'dep');
  const depFile = join(depDir, 'deployment.json');
  const servers = new Map<string, Proc>();
  let expected: number[];

  const startServer = (role: string): Proc => {
    const p = tfe(['party', role, '--deployment', depFile], { TFE_EXIT_WITH_PARENT: '1' });
    servers.set(role, p);
    return p;
  };

  before(async () => {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1], protocol: 'securenn' });
    assert.equal(c.plan.protocol, 'securenn');
    writePlanDir(planDir, c.plan, c.weights);
    const init = await tfe(['deploy', 'init', depDir, '--plan', planDir]).done;
    assert.equal(init.code, 0, init.err);
    const dep = JSON.parse(readFileSync(depFile, 'utf8')) as { timeouts: { connectMs: number; receiveMs: number } };
    dep.timeouts = { connectMs: 3000, receiveMs: 10000 };
    writeFileSync(depFile, JSON.stringify(dep, null, 1));
    for (const role of ['server0', 'server1', 'server2']) startServer(role);
    const owner = await tfe(['party', 'model-owner', '--deployment', depFile]).done;
    assert.equal(owner.code, 0, owner.err);
    assert.match(owner.out, /model-owner: shared \d+ weight tensors with server0 and server1 /);
    const d = await PlanDeployment.start(c.plan, c.weights);
    const p = await d.predict(readInputFile(zooSamplePath('A'), c.plan.inputs));
    d.close();
    expected = Array.from(p.outputs[c.plan.outputs[0].name].probabilities as Float64Array);
  });

  after(async () => {
    const running = [...servers.values()].map((s) => s.proc).filter((s) => s.exitCode === null && s.signalCode === null);
    const exits = running.map((s) => new Promise((r) => s.on('exit', r)));
    for (const s of running) s.kill('SIGTERM');
    await Promise.all(exits);
    rmSync(root, { recursive: true, force: true });
  });

  const client = (): Promise<Done> => tfe(['party', 'client', '--deployment', depFile, '--input', zooSamplePath('A'), '--json']).done;

  const assertExpected = (r: Done): PredictionJson => {
    assert.equal(r.code, 0, r.err);
    const j = lastJson(r.out);
    const got = Object.values(j.outputs)[0].values;
    assert.equal(argmax(got), argmax(expected));
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - expected[i]) < 1e-3, `class ${i}: ${got[i]} vs ${expected[i]}`);
    return j;
  };

  test('the client gets the prediction a local run gives; server2 made the material and is reported as server2', async () => {
    const j = assertExpected(await client());
    assert.equal(j.dealer_bytes, 0);
    assert.ok((j.bytes.server2 ?? 0) > 0, JSON.stringify(j.bytes));
    assert.equal(j.bytes.dealer, undefined);
  });

  test('input roles never connect to server2: not in the plan\'s links, not in its log, refused at its address', async () => {
    const plan = JSON.parse(readFileSync(join(planDir, 'plan.json'), 'utf8')) as Parameters<typeof linkPlan>[0];
    assert.deepEqual(linkPlan(plan, 'server2').accepts.sort(), ['server0', 'server1']);
    for (const role of ['client', 'model-owner']) assert.deepEqual(linkPlan(plan, role).dials.sort(), ['server0', 'server1']);
    const s2 = servers.get('server2') as Proc;
    assert.doesNotMatch(s2.log(), /(client|model-owner)(#\d+)? connected/);
    assert.match(servers.get('server0')?.log() ?? '', /client#\d+ connected/, 'the client did connect to server0');
    // the client's certificate, straight at server2's address
    const dep = readDeployment(depFile);
    const { host, port } = splitAddress(dep.roles.find((r) => r.name === 'server2')?.listen ?? '', 'test');
    await assert.rejects(
      connectTls({ host, port, expectedPeer: 'server2', identity: identityOf(dep, 'client'), planId: dep.planId, maxFrameBytes: 1 << 20, connectTimeoutMs: 2000 }),
      (e: Error) => /server2/.test(e.message),
    );
    await logMatches(s2, /refused a connection: server2 refused a connection from .*: its certificate is for role 'client', which may not connect here \(allowed: server0, server1\)/, 5000);
  });

  test('server2 killed: the next prediction fails with an error naming server2', async () => {
    const old = servers.get('server2') as Proc;
    old.proc.kill('SIGKILL');
    await new Promise((r) => old.proc.on('exit', r));
    const t0 = Date.now();
    const r = await client();
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^error: .*server2 did not connect within 10 s \[E_TRANSPORT\]$/m);
    assert.ok(Date.now() - t0 < 20_000, `failed after ${Date.now() - t0} ms`);
  });

  test('server2 restarted: new epoch of seeds, the weights re-masked, and the next prediction is right', async () => {
    const fresh = startServer('server2');
    // both servers redial the new helper (each link starts an epoch of fresh seeds)
    await logMatches(fresh, /server0 connected[\s\S]*server1 connected|server1 connected[\s\S]*server0 connected/, 10_000);
    assertExpected(await client());
    // the servers re-masked the weights with the new process's setup bundle, and its material served the prediction
    for (const role of ['server0', 'server1']) await logMatches(servers.get(role) as Proc, /re-masked the weights with server2's setup bundle \d+/, 5000);
    await logMatches(fresh, /made setup bundle \d+ for batch 1[\s\S]*made predict bundle \d+ for batch 1/, 5000);
    assertExpected(await client());
  });
});

test('tfe up on a securenn plan: five processes (server0, server1, server2, model-owner, client), the class tfe run prints', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tfe-sn-up-test-'));
  try {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1], protocol: 'securenn' });
    writePlanDir(join(root, 'plan'), c.plan, c.weights);
    const run = await tfe(['run', join(root, 'plan'), '--input', zooSamplePath('A'), '--json']).done;
    assert.equal(run.code, 0, run.err);
    const up = tfe(['up', join(root, 'plan'), '--input', zooSamplePath('A'), '--json']);
    // the roles of up's children, sampled from the process table while it runs
    const seen = new Set<string>();
    const pid = String(up.proc.pid);
    let running = true;
    const poll = (async () => {
      while (running) {
        const ps = execFileSync('ps', ['-eo', 'ppid=,args=']).toString();
        for (const line of ps.split('\n')) {
          const m = /^\s*(\d+)\s.*cli\.js party (\S+) /.exec(line);
          if (m && m[1] === pid) seen.add(m[2]);
        }
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    const r = await up.done;
    running = false;
    await poll;
    assert.equal(r.code, 0, r.err);
    assert.deepEqual([...seen].sort(), ['client', 'model-owner', 'server0', 'server1', 'server2']);
    const got = Object.values(lastJson(r.out).outputs)[0].values;
    const want = Object.values(lastJson(run.out).outputs)[0].values;
    assert.equal(argmax(got), argmax(want));
    assert.equal(argmax(got), 4, 'the sample of network A is a 4');
    assert.equal(lastJson(r.out).dealer_bytes, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
