/**
 * Deployments through the public API, every role its own process: `up()` (from a
 * compiled object and from a plan directory) and a deployment made with `deployInit`
 * whose servers and dealer are `startParty` processes and whose model owner and client
 * are `runParty` processes (role-process.ts). Each gives zoo net A's prediction within
 * PROB_TOL of the plaintext TensorFlow.js model, as `runLocal` does; a bad input to
 * `up()` fails in this process, before any child starts, with runLocal's error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deployInit, runLocal, runParty, TfeError, up, writePlanDir, type CompileResult, type RunOutputs } from '../../src/index.js';
import { assertNetA, netA, referenceA, sampleA } from './fixture.js';
import { listening, role, type Proc } from './role-child.js';

let c: CompileResult;
let want: number[];
let root: string;
let planDir: string;
let name: string;

before(async () => {
  c = await netA();
  want = await referenceA();
  root = mkdtempSync(join(tmpdir(), 'tfe-api-deploy-'));
  planDir = join(root, 'plan');
  writePlanDir(planDir, c.plan, c.weights);
  name = c.plan.inputs[0].name;
});
after(() => rmSync(root, { recursive: true, force: true }));

test('up() from a compiled object and from a plan directory: the plaintext model\'s prediction, as runLocal gives it', async () => {
  const inputs = { client: { [name]: sampleA() } };
  const local = await runLocal(c, inputs);
  assertNetA(local, want, 'runLocal');
  const fromObject = await up(c, inputs);
  assertNetA(fromObject, want, 'up(compiled)');
  assertNetA(await up(planDir, { client: { [name]: Float32Array.from(sampleA().flat(3)) } }), want, 'up(planDir)');
  // the same outputs as runLocal, up to the truncations' last bits
  const a = Object.values(local)[0];
  const b = Object.values(fromObject)[0];
  assert.deepEqual(Object.keys(fromObject), Object.keys(local));
  assert.equal(b.kind, a.kind);
  assert.ok(Math.max(...a.values.map((v, i) => Math.abs(v - b.values[i]))) < 1e-3, 'logits within 1e-3 of runLocal\'s');
});

test('up() refuses bad inputs in this process, with runLocal\'s errors', async () => {
  await assert.rejects(up(c, { bob: { [name]: sampleA() } }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /the plan has no role 'bob'/.test(e.message));
  await assert.rejects(up(planDir, { client: { [name]: [1, 2, 3] } }), (e: unknown) => e instanceof TfeError && e.code === 'E_SHAPE' && /role 'client'/.test(e.message));
});

describe('deployInit, startParty and runParty, every role its own process', () => {
  const servers: Proc[] = [];
  let deployment: string;

  before(async () => {
    const d = await deployInit({ dir: join(root, 'dep'), plan: planDir });
    deployment = d.deployment;
    assert.ok(d.files.includes(join(root, 'dep', 'ca.pem')));
    const dep = JSON.parse(readFileSync(deployment, 'utf8')) as { roles: { name: string; kind: string }[] };
    for (const r of dep.roles.filter((x) => x.kind === 'compute' || x.kind === 'dealer')) servers.push(role([r.name, deployment, 'server']));
    await Promise.all(servers.map(listening));
  });

  after(async () => {
    for (const s of servers) s.proc.stdin?.end();
    await Promise.all(servers.map((s) => Promise.race([s.exited, new Promise((r) => setTimeout(r, 5000))])));
    for (const s of servers) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
  });

  test('the model owner shares its weights (no outputs), then the client gets the plaintext model\'s prediction', async () => {
    const owner = role(['model-owner', deployment, 'input']);
    assert.equal(await owner.exited, 0, owner.err);
    assert.deepEqual(JSON.parse(owner.out) as unknown, {}, 'the weights\' owner receives no outputs');
    const inputs = join(root, 'client.json');
    writeFileSync(inputs, JSON.stringify({ [name]: sampleA()[0] }));
    const client = role(['client', deployment, 'input', inputs]);
    assert.equal(await client.exited, 0, client.err);
    assertNetA(JSON.parse(client.out) as RunOutputs, want, 'runParty(client) as a process');
    // and a client in this process, through the same deployment
    assertNetA(await runParty('client', { deployment, inputs: { [name]: sampleA() } }), want, 'runParty(client) in the test process');
  });

  test('runParty refuses a role the plan lacks, a server role, and a client without inputs', async () => {
    await assert.rejects(runParty('bob', { deployment }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /the plan has no role 'bob'/.test(e.message));
    await assert.rejects(runParty('server0', { deployment }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /server0' is a compute role/.test(e.message));
    await assert.rejects(runParty('client', { deployment }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /client provides inputs 'flatten_input'/.test(e.message));
    await assert.rejects(runParty('model-owner', { deployment, inputs: { [name]: sampleA() } }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /provides/.test(e.message));
  });
});
