/**
 * The prediction service as users run it: `tfe serve` (a loopback deployment of child
 * processes over mutual TLS, the leader's HTTP API) answered by `tfe predict` and the Node
 * client (`tfe/client`). Reference: the same plan run in-process by PlanDeployment (itself
 * tested against TensorFlow.js); two private runs differ only by their truncation errors
 * (±1 LSB at 2^-16 per truncation, README "Pond kernels"), so outputs agree to 1e-3 and the
 * top class is the same.
 *
 * Also through the real deployment: a tampered share for server1 fails that request alone
 * with E_CIPHERTEXT (the next one works) and no envelope reaches the logs; a plaintext body
 * is 400 E_PLAINTEXT; securenn is served by the same code; overload answers 503 +
 * Retry-After and the service stays healthy; SIGTERM drains the requests in flight (all
 * answered), exits 0 and leaves no process behind.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServe, type ServeProcess } from '../../bench/serve.js';
import { compile } from '../../compiler/compile.js';
import { writePlanDir } from '../../compiler/plan/write.js';
import { zooModelPath, zooSamplePath } from '../../models/index.js';
import { readInputFile } from '../../runtime/io/inputs.js';
import { PlanDeployment } from '../../runtime/party/executor.js';
import { connect } from '../../runtime/serve/client/index.js';
import type { Plan, Weights } from '../../src/plan/index.js';
import { REPO_ROOT } from '../support/paths.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');
const TOL = 1e-3;

interface Done {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function tfe(args: readonly string[]): Promise<Done> {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((res) => proc.on('exit', (code) => res({ code: code ?? 1, out, err })));
}

async function reference(plan: Plan, weights: Weights, x: ReturnType<typeof readInputFile>): Promise<number[]> {
  const d = await PlanDeployment.start(plan, weights);
  try {
    const p = await d.predict(x);
    return Array.from(p.outputs[plan.outputs[0].name].probabilities as Float64Array);
  } finally {
    d.close();
  }
}

function argmax(v: readonly number[]): number {
  return v.indexOf(Math.max(...v));
}

function assertClose(got: readonly number[], want: readonly number[], what: string): void {
  assert.equal(got.length, want.length, what);
  const worst = Math.max(...got.map((g, i) => Math.abs(g - want[i])));
  assert.ok(worst <= TOL, `${what}: largest difference ${worst} > ${TOL}`);
  assert.equal(argmax(got), argmax(want), `${what}: top class`);
}

/** The PIDs whose parent is `pid` (ps, as on any Linux CI machine). */
function childPids(pid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  return out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter(([, pp]) => pp === pid).map(([p]) => p);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const root = mkdtempSync(join(tmpdir(), 'tfe-serve-e2e-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('tfe serve, zoo net A (pond), with tfe predict and the Node client', () => {
  let plan: Plan;
  let weights: Weights;
  let planDir: string;
  let server: ServeProcess;
  let expected: number[];

  before(async () => {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    plan = c.plan;
    weights = c.weights;
    planDir = join(root, 'A');
    writePlanDir(planDir, plan, weights);
    expected = await reference(plan, weights, readInputFile(zooSamplePath('A'), plan.inputs));
    server = await startServe(planDir);
  });
  after(async () => {
    await server.stop();
  });

  test('the URL names the plan directory; tfe predict --json equals the in-process run', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/v2\/models\/A$/);
    const r = await tfe(['predict', server.url, '--input', zooSamplePath('A'), '--json']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /server keys are unauthenticated/, 'without --ca a loopback client warns');
    const j = JSON.parse(r.out) as { outputs: Record<string, { values: number[] }>; rounds: number; bytes: Record<string, number> };
    assertClose(j.outputs[plan.outputs[0].name].values, expected, 'tfe predict');
    assert.ok(j.rounds > 0 && j.bytes.server0 > 0 && j.bytes.server1 > 0);
  });

  test('the Node client: concurrent predictions of different inputs each equal their in-process run', async () => {
    const base = readInputFile(zooSamplePath('A'), plan.inputs);
    const data0 = base[plan.inputs[0].name].data;
    const inputs = [0, 1, 2, 3, 4, 5].map((k) => Float32Array.from(data0, (v, i) => (k === 0 ? v : ((i * (k + 3)) % 17) / 16)));
    const want = await Promise.all(inputs.map((x) => reference(plan, weights, { [plan.inputs[0].name]: { shape: [1, 28, 28, 1], data: Float64Array.from(x) } })));
    const client = await connect(server.url, { onWarning: () => undefined });
    const got = await Promise.all(inputs.map((x) => client.predict({ [plan.inputs[0].name]: { shape: [1, 28, 28, 1], data: x } })));
    got.forEach((p, i) => {
      assertClose(Array.from(p.outputs[plan.outputs[0].name].probabilities as Float64Array), want[i], `request ${i}`);
      assert.ok(p.stats.batch_rows >= 1 && p.stats.batch_size >= p.stats.batch_rows);
    });
    // what the servers saw: one share each, neither equal to the encoded input
    const sent = got[0].sent;
    assert.deepEqual(Object.keys(sent).sort(), ['server0', 'server1']);
    assert.notDeepEqual(sent.server0, sent.server1);
  });

  test('a tampered share for server1 fails that request alone (400 E_CIPHERTEXT), the next works, and no envelope is logged', async () => {
    const envelopes: string[] = [];
    let tamper = true;
    const fetchTampering = async (url: string, init?: RequestInit): Promise<Response> => {
      if (init?.method === 'POST' && typeof init.body === 'string') {
        const body = JSON.parse(init.body) as { inputs: { name: string; data: string[] }[] };
        for (const t of body.inputs) envelopes.push(t.data[0]);
        if (tamper) {
          const t = body.inputs.find((i) => i.name === 'server1');
          assert.ok(t);
          const bytes = Buffer.from(t.data[0], 'base64');
          bytes[bytes.length - 20] ^= 1;
          t.data[0] = bytes.toString('base64');
          return fetch(url, { ...init, body: JSON.stringify(body) });
        }
      }
      return fetch(url, init);
    };
    const client = await connect(server.url, { onWarning: () => undefined, fetch: fetchTampering });
    const x = readInputFile(zooSamplePath('A'), plan.inputs)[plan.inputs[0].name];
    const input = { [plan.inputs[0].name]: { shape: [...x.shape], data: Float32Array.from(x.data) } };
    await assert.rejects(client.predict(input), (e: Error & { code?: string; status?: number }) => {
      assert.equal(e.code, 'E_CIPHERTEXT');
      assert.equal(e.status, 400);
      assert.match(e.message, /server1/);
      return true;
    });
    tamper = false;
    const ok = await client.predict(input);
    assertClose(Array.from(ok.outputs[plan.outputs[0].name].probabilities as Float64Array), expected, 'after the tampered request');
    await new Promise((r) => setTimeout(r, 200));
    const log = server.stderr();
    assert.match(log, /"status":400/);
    for (const e of envelopes) assert.ok(!log.includes(e.slice(100, 160)), 'an envelope reached the log');
  });

  test('a plaintext body is refused with 400 E_PLAINTEXT', async () => {
    const r = await fetch(`${server.url}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: plan.inputs[0].name, datatype: 'FP32', shape: [1, 28, 28, 1], data: new Array(784).fill(0.5) }] }),
    });
    assert.equal(r.status, 400);
    const j = (await r.json()) as { code: string; hint: string };
    assert.equal(j.code, 'E_PLAINTEXT');
    assert.match(j.hint, /--allow-plaintext-input/);
  });
});

/** A gauge or counter's value from Prometheus text (sum over its label sets). */
function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`).exec(line);
    if (m) sum += Number(m[1]);
  }
  return sum;
}

describe('tfe serve on SIGTERM', () => {
  test('drains: every request the service received is answered, then tfe serve exits 0 and leaves no process behind', async () => {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    const planDir = join(root, 'A-drain');
    writePlanDir(planDir, c.plan, c.weights);
    const expected = await reference(c.plan, c.weights, readInputFile(zooSamplePath('A'), c.plan.inputs));
    // one row per session, one session at a time: rows received = queued + running + answered, exactly
    const server = await startServe(planDir, ['--max-batch', '1', '--max-sessions', '1', '--max-queue', '64']);
    const client = await connect(server.url, { onWarning: () => undefined });
    const x = readInputFile(zooSamplePath('A'), c.plan.inputs)[c.plan.inputs[0].name];
    const input = { [c.plan.inputs[0].name]: { shape: [...x.shape], data: Float32Array.from(x.data) } };
    const kids = childPids(server.proc.pid as number);
    assert.ok(kids.length >= 3, `tfe serve has its roles as children (${kids.length})`);
    const n = 24;
    const inFlight = Array.from({ length: n }, () => client.predict(input));
    const metricsUrl = new URL('/metrics', server.url).href;
    for (let received = 0; received < n;) {
      await new Promise((r) => setTimeout(r, 5));
      const text = await (await fetch(metricsUrl)).text();
      received = metric(text, 'tfe_queue_rows') + metric(text, 'tfe_sessions_in_flight') + metric(text, 'tfe_rows_total');
    }
    const code = await server.stop();
    const results = await Promise.allSettled(inFlight);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(failed.length, 0, `requests received before SIGTERM failed: ${failed.map((f) => String(f.reason)).join('; ')}`);
    for (const r of results) if (r.status === 'fulfilled') assertClose(Array.from(r.value.outputs[c.plan.outputs[0].name].probabilities as Float64Array), expected, 'drained request');
    assert.equal(code, 0, server.stderr().slice(-2000));
    assert.match(server.stderr(), /drained: every request answered/);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(kids.filter(alive), [], 'a role process outlived tfe serve');
  });
});

describe('tfe serve under overload', () => {
  test('beyond the queue bound requests get 503 + Retry-After; the service stays live and answers afterwards', async () => {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    const planDir = join(root, 'A-overload');
    writePlanDir(planDir, c.plan, c.weights);
    const server = await startServe(planDir, ['--max-sessions', '1', '--max-batch', '1', '--max-queue', '2']);
    try {
      const client = await connect(server.url, { onWarning: () => undefined });
      const x = readInputFile(zooSamplePath('A'), c.plan.inputs)[c.plan.inputs[0].name];
      const input = { [c.plan.inputs[0].name]: { shape: [...x.shape], data: Float32Array.from(x.data) } };
      const results = await Promise.allSettled(Array.from({ length: 40 }, () => client.predict(input)));
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.ok(refused.length > 0, 'some requests beyond the bound were refused');
      assert.ok(results.length - refused.length >= 3, 'the service kept answering while refusing');
      for (const r of refused) {
        const e = r.reason as Error & { code?: string; status?: number };
        assert.equal(e.status, 503, e.message);
        assert.equal(e.code, 'E_OVERLOAD');
      }
      // the raw answer carries Retry-After
      const burst = await Promise.all(Array.from({ length: 12 }, () => fetch(`${server.url}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })));
      assert.ok(burst.every((r) => r.status === 400), 'malformed bodies are refused before any queueing');
      const live = await fetch(new URL('/v2/health/live', server.url));
      assert.equal(live.status, 200);
      const after = await client.predict(input);
      assert.equal(after.stats.rows, 1);
    } finally {
      await server.stop();
    }
  });
});

describe('tfe serve, securenn', () => {
  test('the same service code serves a securenn plan; server2 gets no envelope', async () => {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1], protocol: 'securenn' });
    const planDir = join(root, 'A-securenn');
    writePlanDir(planDir, c.plan, c.weights);
    const expected = await reference(c.plan, c.weights, readInputFile(zooSamplePath('A'), c.plan.inputs));
    const server = await startServe(planDir);
    try {
      const meta = (await (await fetch(server.url)).json()) as { platform: string; parameters: { tfe: { shareholders: string[]; keys: { role: string }[] } } };
      assert.equal(meta.platform, 'tfe-securenn');
      assert.deepEqual(meta.parameters.tfe.shareholders, ['server0', 'server1']);
      assert.deepEqual(meta.parameters.tfe.keys.map((k) => k.role), ['server0', 'server1']);
      const r = await tfe(['predict', server.url, '--input', zooSamplePath('A'), '--json']);
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out) as { outputs: Record<string, { values: number[] }>; bytes: Record<string, number> };
      assertClose(j.outputs[c.plan.outputs[0].name].values, expected, 'securenn tfe predict');
      assert.ok((j.bytes.server2 ?? 0) > 0, 'server2 made the material');
    } finally {
      await server.stop();
    }
  });
});
