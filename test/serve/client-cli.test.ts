/**
 * `tfe predict` as a user runs it (the built executable, spawned) against the fake OIP
 * service (fake-oip.ts): the text and `--json` outputs carry the hand-computed values,
 * `--json` has every key of `tfe run --json`; the API key is read from --api-key-file or
 * TFE_API_KEY; a wrong URL, a refused connection, a missing key and a non-loopback URL
 * without --ca are one-line errors with their codes and exit code 2. And the package
 * exports `tfe/client` (resolved from the package itself and from another project whose
 * node_modules/tfe is this package).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { predictionJson } from '../../runtime/output/print.js';
import { REPO_ROOT } from '../support/paths.js';
import { startFakeOip, type FakeOip } from './fake-oip.js';

let fake: FakeOip;
let dir: string;
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');
const TOL = 2 ** -14;

before(async () => {
  fake = await startFakeOip();
  dir = mkdtempSync(join(tmpdir(), 'tfe-predict-'));
  writeFileSync(join(dir, 'x.json'), JSON.stringify({ x: [[1.5, 2.25, -0.5, 4]] }));
  writeFileSync(join(dir, 'ca.pem'), fake.caPem);
  writeFileSync(join(dir, 'key.txt'), 'tfe_cli_token\n');
});

after(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function tfe(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, TFE_API_KEY: '', ...env }, timeout: 60_000 }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
    });
  });
}

test('tfe predict prints the prediction as tfe run does; --json has the keys of tfe run --json', async () => {
  fake.mode = 'ok';
  const text = await tfe(['predict', fake.modelUrl, '--input', join(dir, 'x.json'), '--ca', join(dir, 'ca.pem')]);
  assert.equal(text.code, 0, text.err);
  assert.equal(text.err, '', 'no warning with --ca');
  // y = [3.75, -5]: class 0 (left) first; softmax(3.75, -5) = 0.999842...
  assert.match(text.out, /^y: top 2 of 2 classes \(score\)\n {2}class 0 {2}0\.9998\d\d {2}left\n {2}class 1 {2}0\.0001\d\d {2}right\ns \[1,1\] values: 4\.25000\n/);
  assert.match(text.out, /cost: 12 rounds; sent: server0 2\.0 KiB, server1 3\.0 KiB, dealer 0\.5 KiB; served in a session of 1 row\(s\) \(batch 4\); queue 0\.3 ms, session 1\.5 ms; latency \d+\.\d ms\n$/);

  writeFileSync(join(dir, 'names.txt'), 'cat\ndog\n');
  const named = await tfe(['predict', fake.modelUrl, '--input', join(dir, 'x.json'), '--ca', join(dir, 'ca.pem'), '--labels', join(dir, 'names.txt')]);
  assert.match(named.out, /class 0 {2}0\.9998\d\d {2}cat\n {2}class 1 {2}0\.0001\d\d {2}dog\n/, '--labels overrides the served labels');

  const json = await tfe(['predict', fake.modelUrl, '--input', join(dir, 'x.json'), '--json']);
  assert.equal(json.code, 0, json.err);
  assert.match(json.err, /^warning: server keys are unauthenticated: a leader could swap server1's key; give --ca ca\.pem\n$/);
  const o = JSON.parse(json.out) as Record<string, unknown> & { outputs: Record<string, { values: number[]; shape: number[]; kind: string }> };
  const runKeys = Object.keys(predictionJson({ outputs: {}, stats: { rounds: 0, bytes: {}, dealerBytes: 0 }, declared: { rounds: 0, bytes: {} } as never, ms: 0, onlineMs: 0, offlineMs: 0 }, undefined));
  for (const k of runKeys) assert.ok(k in o, `--json lacks tfe run's key ${k}`);
  assert.deepEqual(o.outputs.s.shape, [1, 1]);
  assert.ok(Math.abs(o.outputs.s.values[0] - 4.25) <= TOL);
  const e = [Math.exp(0), Math.exp(-8.75)];
  assert.ok(Math.abs(o.outputs.y.values[0] - e[0] / (e[0] + e[1])) < 1e-4, 'probabilities after softmax, as tfe run --json');
  assert.equal(o.rounds, 12);
  assert.deepEqual(o.bytes, { server0: 2048, server1: 3072, dealer: 512 });
});

test('tfe predict: the API key from --api-key-file or TFE_API_KEY; a missing one is the server\'s 401', async () => {
  fake.mode = 'ok';
  fake.apiKey = 'tfe_cli_token';
  try {
    const args = ['predict', fake.modelUrl, '--input', join(dir, 'x.json'), '--ca', join(dir, 'ca.pem'), '--json'];
    assert.equal((await tfe([...args, '--api-key-file', join(dir, 'key.txt')])).code, 0);
    assert.equal((await tfe(args, { TFE_API_KEY: 'tfe_cli_token' })).code, 0);
    const none = await tfe(args);
    assert.equal(none.code, 2);
    assert.match(none.err, /^error: POST http:\/\/127\.0\.0\.1:\d+\/v2\/models\/toy\/infer: the server answered 401 E_AUTH: missing or unknown API key \[E_AUTH\]\nhint: (.*; )?give an API key \(--api-key-file FILE, or TFE_API_KEY\)\n$/);
  } finally {
    fake.apiKey = undefined;
  }
});

test('tfe predict: clear errors for a wrong URL, a refused connection, a server that does not answer, a bad input', async () => {
  const input = ['--input', join(dir, 'x.json')];
  const bad = await tfe(['predict', 'http://127.0.0.1:1/models/toy', ...input]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^error: 'http:\/\/127\.0\.0\.1:1\/models\/toy' is not a model URL \(http\(s\):\/\/HOST:PORT\/v2\/models\/NAME\) \[E_ARG\]\n/);
  const closed = await startFakeOip();
  const url = closed.modelUrl;
  await closed.close();
  const refused = await tfe(['predict', url, ...input]);
  assert.equal(refused.code, 2);
  assert.match(refused.err, new RegExp(`^error: cannot reach ${url.replace(/[.]/g, '\\.')}: ECONNREFUSED.* \\[E_TRANSPORT\\]\\nhint: is the server running`));
  // a server that accepts the connection and never answers
  const silent = createServer(() => undefined);
  await new Promise<void>((res) => silent.listen(0, '127.0.0.1', () => res()));
  try {
    const port = (silent.address() as AddressInfo).port;
    const slow = await tfe(['predict', `http://127.0.0.1:${port}/v2/models/toy`, ...input, '--timeout-ms', '300']);
    assert.equal(slow.code, 2);
    assert.match(slow.err, new RegExp(`^error: GET http://127\\.0\\.0\\.1:${port}/v2/models/toy got no answer within 300 ms \\[E_TIMEOUT\\]`));
  } finally {
    silent.closeAllConnections();
    await new Promise<void>((res) => silent.close(() => res()));
  }
  writeFileSync(join(dir, 'far.json'), JSON.stringify({ x: [1, 2, 3, 40] }));
  fake.mode = 'ok';
  const range = await tfe(['predict', fake.modelUrl, '--input', join(dir, 'far.json'), '--ca', join(dir, 'ca.pem')]);
  assert.equal(range.code, 2);
  assert.match(range.err, /^error: input 'x'\[3\] = 40 is outside the range \[-8, 8\] the model was compiled for \[E_RANGE\]/);
});

test("the package exports tfe/client (and tfe), resolved by name from the package and from another project's node_modules", async () => {
  // a variable specifier: tsc must not resolve it (on a clean build the .d.ts does not exist yet)
  const spec = 'tfe/client';
  const self = import.meta.resolve(spec);
  assert.equal(self, new URL(`file://${join(REPO_ROOT, 'dist', 'runtime', 'serve', 'client', 'index.js')}`).href);
  const mod = (await import(spec)) as { connect?: unknown; TfeClient?: unknown };
  assert.equal(typeof mod.connect, 'function');
  const other = join(dir, 'app');
  mkdirSync(join(other, 'node_modules'), { recursive: true });
  symlinkSync(REPO_ROOT, join(other, 'node_modules', 'tfe'), 'dir');
  writeFileSync(join(other, 'main.mjs'), [
    "const client = await import('tfe/client');",
    "const tfe = await import('tfe');",
    "let deep = 'exported';",
    "try { await import('tfe/dist/src/index.js'); } catch (e) { deep = e.code; }",
    'console.log(JSON.stringify({ connect: typeof client.connect, compile: typeof tfe.compile, deep }));',
  ].join('\n'));
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [join(other, 'main.mjs')], { cwd: other }, (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout)));
  });
  assert.deepEqual(JSON.parse(out), { connect: 'function', compile: 'function', deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
});
