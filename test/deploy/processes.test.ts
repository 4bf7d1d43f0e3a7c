/**
 * A deployment as separate processes over TCP + mutual TLS on 127.0.0.1 (`tfe deploy
 * init`, `tfe party ROLE`, `tfe up`): zoo network A through five processes gives the
 * prediction `tfe run` gives; two clients at once both get theirs; a client with a
 * certificate of another CA is refused and the right client still works afterwards; a
 * client whose plan id differs is refused, naming both ids; the dealer killed and
 * restarted is re-linked and the weights re-masked with it; a killed server makes the
 * client fail within its connect timeout, naming the server; `tfe up` leaves no
 * process behind.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { writePlanDir } from '../../compiler/plan/write.js';
import { zooModelPath, zooSamplePath } from '../../models/index.js';
import { PlanDeployment } from '../../runtime/party/executor.js';
import { readInputFile } from '../../runtime/io/inputs.js';
import { REPO_ROOT } from '../support/paths.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');

interface Done {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly ms: number;
}

function tfe(args: string[], env: Record<string, string> = {}): { proc: ChildProcess; done: Promise<Done> } {
  const t0 = Date.now();
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<Done>((res) => proc.on('exit', (code) => res({ code: code ?? 1, out, err, ms: Date.now() - t0 })));
  return { proc, done };
}

function values(out: string): number[] {
  const j = JSON.parse(out.trim().split('\n').pop() as string) as { outputs: Record<string, { values: number[] }> };
  return Object.values(j.outputs)[0].values;
}

describe('a deployment of zoo network A as processes over mutual TLS', () => {
  const root = mkdtempSync(join(tmpdir(), 'tfe-deploy-test-'));
  const planDir = join(root, 'plan');
  const depDir = join(root, 'dep');
  const depFile = join(depDir, 'deployment.json');
  const servers: ChildProcess[] = [];
  let expected: number[];

  before(async () => {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    writePlanDir(planDir, c.plan, c.weights);
    const init = await tfe(['deploy', 'init', depDir, '--plan', planDir]).done;
    assert.equal(init.code, 0, init.err);
    const dep = JSON.parse(readFileSync(depFile, 'utf8')) as { timeouts: { connectMs: number; receiveMs: number } };
    dep.timeouts = { connectMs: 3000, receiveMs: 10000 };
    writeFileSync(depFile, JSON.stringify(dep, null, 1));
    for (const role of ['server0', 'server1', 'dealer']) servers.push(tfe(['party', role, '--deployment', depFile], { TFE_EXIT_WITH_PARENT: '1' }).proc);
    const owner = await tfe(['party', 'model-owner', '--deployment', depFile]).done;
    assert.equal(owner.code, 0, owner.err);
    assert.match(owner.out, /model-owner: shared \d+ weight tensors with server0 and server1/);
    const d = await PlanDeployment.start(c.plan, c.weights);
    const p = await d.predict(readInputFile(zooSamplePath('A'), c.plan.inputs));
    d.close();
    expected = Array.from(p.outputs[c.plan.outputs[0].name].probabilities as Float64Array);
  });

  after(async () => {
    const running = servers.filter((s) => s.exitCode === null && s.signalCode === null);
    const exits = running.map((s) => new Promise((r) => s.on('exit', r)));
    for (const s of running) s.kill('SIGTERM');
    await Promise.all(exits);
    rmSync(root, { recursive: true, force: true });
  });

  const client = (extra: string[] = [], file = depFile): Promise<Done> => tfe(['party', 'client', '--deployment', file, '--input', zooSamplePath('A'), '--json', ...extra]).done;

  test('the client gets the prediction tfe run gives (five processes)', async () => {
    const r = await client();
    assert.equal(r.code, 0, r.err);
    const got = values(r.out);
    assert.equal(got.indexOf(Math.max(...got)), expected.indexOf(Math.max(...expected)));
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - expected[i]) < 1e-3, `class ${i}: ${got[i]} vs ${expected[i]}`);
  });

  test('two clients at once both get the right answer', async () => {
    const [a, b] = await Promise.all([client(), client()]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, r.err);
      const got = values(r.out);
      for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - expected[i]) < 1e-3, `class ${i}: ${got[i]} vs ${expected[i]}`);
    }
  });

  test('a batch above --chunk runs as consecutive sessions: five examples in three, each the right answer', async () => {
    const sample = (JSON.parse(readFileSync(zooSamplePath('A'), 'utf8')) as { input: number[][][][] }).input[0];
    const file = join(root, 'five.json');
    writeFileSync(file, JSON.stringify(Array.from({ length: 5 }, () => sample)));
    const r = await tfe(['party', 'client', '--deployment', depFile, '--input', file, '--json', '--chunk', '2']).done;
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out.trim().split('\n').pop() as string) as { sessions?: number; outputs: Record<string, { shape: number[]; values: number[] }> };
    assert.equal(j.sessions, 3);
    const o = Object.values(j.outputs)[0];
    assert.deepEqual(o.shape, [5, 10]);
    for (let e = 0; e < 5; e++) for (let i = 0; i < 10; i++) assert.ok(Math.abs(o.values[e * 10 + i] - expected[i]) < 1e-3, `example ${e} class ${i}`);
  });

  test('a client certificate from another CA is refused; the right client still works afterwards', async () => {
    const other = join(root, 'other');
    const init = await tfe(['deploy', 'init', other, '--plan', planDir]).done;
    assert.equal(init.code, 0, init.err);
    const mixed = join(root, 'mixed');
    mkdirSync(mixed);
    copyFileSync(depFile, join(mixed, 'deployment.json'));
    for (const f of ['ca.pem', 'client.pem', 'client.key']) copyFileSync(join(other, f), join(mixed, f));
    const bad = await client([], join(mixed, 'deployment.json'));
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, /error: .*server0/);
    const good = await client();
    assert.equal(good.code, 0, good.err);
  });

  test('a client running another plan is refused, naming both plan ids', async () => {
    const c2 = await compile(zooModelPath('A'), { inputRange: [0, 1], fracBits: 14 });
    const plan2 = join(root, 'plan2');
    writePlanDir(plan2, c2.plan, c2.weights);
    const forged = join(root, 'forged');
    mkdirSync(forged);
    const dep = JSON.parse(readFileSync(depFile, 'utf8')) as Record<string, unknown>;
    dep.planId = c2.plan.planId;
    dep.plan = plan2;
    writeFileSync(join(forged, 'deployment.json'), JSON.stringify(dep));
    for (const f of ['ca.pem', 'client.pem', 'client.key']) copyFileSync(join(depDir, f), join(forged, f));
    const r = await client([], join(forged, 'deployment.json'));
    assert.equal(r.code, 2, r.err);
    assert.ok(r.err.includes(c2.plan.planId.slice(0, 12)), r.err);
  });

  test('the dealer killed and restarted: the servers re-mask the weights with the new dealer, the next prediction is right', async () => {
    const old = servers[2];
    old.kill('SIGKILL');
    await new Promise((r) => old.on('exit', r));
    const fresh = tfe(['party', 'dealer', '--deployment', depFile], { TFE_EXIT_WITH_PARENT: '1' });
    servers[2] = fresh.proc;
    let log = '';
    fresh.proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const r = await client();
    assert.equal(r.code, 0, r.err);
    const got = values(r.out);
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - expected[i]) < 1e-3, `class ${i}: ${got[i]} vs ${expected[i]}`);
    // the new dealer made the setup bundle of the re-mask before the prediction's material
    assert.match(log, /made setup bundle \d+ for batch 1[\s\S]*made predict bundle \d+ for batch 1/);
  });

  test('a killed server makes the client fail within its connect timeout, naming the server', async () => {
    servers[1].kill('SIGKILL');
    await new Promise((r) => servers[1].on('exit', r));
    const r = await client();
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /server1/);
    assert.ok(r.ms < 10_000, `failed after ${r.ms} ms`);
  });
});

test('tfe up: one prediction through a throwaway deployment, no process left behind', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tfe-up-test-'));
  try {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    writePlanDir(join(root, 'plan'), c.plan, c.weights);
    const r = await tfe(['up', join(root, 'plan'), '--input', zooSamplePath('A'), '--json']).done;
    assert.equal(r.code, 0, r.err);
    const got = values(r.out);
    assert.equal(got.length, 10);
    assert.equal(got.indexOf(Math.max(...got)), 4, 'the sample of network A is a 4');
    // every child of `tfe up` is gone: no process still runs a party of this plan
    const { execFileSync } = await import('node:child_process');
    const ps = execFileSync('ps', ['-eo', 'args']).toString();
    assert.ok(!ps.split('\n').some((l) => l.includes('cli.js party') && l.includes('tfe-up-')), ps);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
