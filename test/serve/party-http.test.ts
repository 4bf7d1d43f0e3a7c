/**
 * The leader of a real deployment serving HTTP: `tfe deploy init`, `tfe party server1` and
 * `tfe party dealer` as processes, `tfe party server0 --http 127.0.0.1:0 --api-keys FILE`,
 * the model owner sharing the weights, then `tfe predict --ca ca.pem --api-key-file F`. The
 * servers' keys are checked against the deployment CA (no warning); a CA of another
 * deployment is refused (E_TRUST) before any input is sent; no key is 401 (E_AUTH); a
 * non-loopback --http without --api-keys refuses to start.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { writePlanDir } from '../../compiler/plan/write.js';
import { zooModelPath, zooSamplePath } from '../../models/index.js';
import { REPO_ROOT } from '../support/paths.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');

interface Run {
  readonly proc: ChildProcess;
  out: string;
  err: string;
  readonly done: Promise<number>;
}

function tfe(args: readonly string[], env: Record<string, string> = {}): Run {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const r: Run = { proc, out: '', err: '', done: new Promise((res) => proc.on('exit', (code) => res(code ?? 1))) };
  proc.stdout?.on('data', (d: Buffer) => (r.out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (r.err += d.toString()));
  return r;
}

function waitFor(r: Run, re: RegExp, ms: number): Promise<RegExpExecArray> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no ${re} within ${ms} ms; stderr: ${r.err.slice(-1500)}`)), ms);
    const check = (): void => {
      const m = re.exec(r.out);
      if (m) {
        clearTimeout(t);
        res(m);
      }
    };
    r.proc.stdout?.on('data', check);
    void r.done.then((code) => {
      clearTimeout(t);
      rej(new Error(`exited with ${code}: ${r.err.slice(-1500)}`));
    });
    check();
  });
}

describe('tfe party server0 --http in a deployment, with API keys and the deployment CA', () => {
  const root = mkdtempSync(join(tmpdir(), 'tfe-party-http-'));
  const depFile = join(root, 'dep', 'deployment.json');
  const tokenFile = join(root, 'token');
  const long: Run[] = [];
  let url: string;

  before(async () => {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    const planDir = join(root, 'A');
    writePlanDir(planDir, c.plan, c.weights);
    assert.equal(await tfe(['deploy', 'init', join(root, 'dep'), '--plan', planDir]).done, 0);
    assert.equal(await tfe(['deploy', 'init', join(root, 'other'), '--plan', planDir]).done, 0);
    const add = tfe(['serve-keys', 'add', join(root, 'keys.json'), '--id', 'alice']);
    assert.equal(await add.done, 0, add.err);
    writeFileSync(tokenFile, add.out.trim());
    for (const role of ['server1', 'dealer']) long.push(tfe(['party', role, '--deployment', depFile], { TFE_EXIT_WITH_PARENT: '1' }));
    const leader = tfe(['party', 'server0', '--deployment', depFile, '--http', '127.0.0.1:0', '--api-keys', join(root, 'keys.json')], { TFE_EXIT_WITH_PARENT: '1' });
    long.push(leader);
    const owner = tfe(['party', 'model-owner', '--deployment', depFile]);
    assert.equal(await owner.done, 0, owner.err);
    url = (await waitFor(leader, /serving A at (http:\/\/\S+)/, 60_000))[1];
  });

  after(async () => {
    for (const r of long) if (r.proc.exitCode === null) r.proc.kill('SIGTERM');
    await Promise.all(long.map((r) => r.done));
    rmSync(root, { recursive: true, force: true });
  });

  test('tfe predict with --ca and the key: keys verified against the CA (no warning), class 4', async () => {
    let r: Run | undefined;
    // readiness: the leader may still be waiting for server1's key statement
    for (let i = 0; i < 50; i++) {
      r = tfe(['predict', url, '--input', zooSamplePath('A'), '--ca', join(root, 'dep', 'ca.pem'), '--api-key-file', tokenFile]);
      if ((await r.done) === 0) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(r);
    assert.equal(r.proc.exitCode, 0, r.err);
    assert.match(r.out, /class 4/);
    assert.doesNotMatch(r.err, /unauthenticated/);
  });

  test('a CA of another deployment is refused with E_TRUST', async () => {
    const r = tfe(['predict', url, '--input', zooSamplePath('A'), '--ca', join(root, 'other', 'ca.pem'), '--api-key-file', tokenFile]);
    assert.equal(await r.done, 2);
    assert.match(r.err, /\[E_TRUST\]/);
  });

  test('no API key: 401 E_AUTH', async () => {
    const r = tfe(['predict', url, '--input', zooSamplePath('A'), '--ca', join(root, 'dep', 'ca.pem')], { TFE_API_KEY: '' });
    assert.equal(await r.done, 2);
    assert.match(r.err, /\[E_AUTH\]/);
  });

  test('a non-loopback --http without --api-keys refuses to start', async () => {
    const r = tfe(['party', 'server0', '--deployment', join(root, 'other', 'deployment.json'), '--http', '0.0.0.0:0']);
    assert.equal(await r.done, 2);
    assert.match(r.err, /no --api-keys file was given \[E_ARG\]/);
  });
});
