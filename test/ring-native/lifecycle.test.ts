/**
 * The native engine's loader and process-level behaviour: the TFE_RING_ISA and
 * TFE_RING_THREADS overrides (refusing a path the CPU lacks), a process that used
 * the thread pool exits promptly, and the addon works from a worker thread
 * alongside the main thread.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { applyEnvOverrides, loadNativeKernels, packageRoot } from '../../runtime/ring/native.js';
import { assertSameData, assertTfeError, kernels, randomRing, skipUnlessBuilt } from './helpers.js';

function addonPath(): string {
  const root = packageRoot();
  assert.ok(root !== undefined, 'package root not found');
  return join(root, 'build', 'Release', 'tfe_ring.node');
}

/**
 * Runs `node` on a script that loads runtime/ring/index and native (the .js files
 * under dist/, or the .ts sources when this test itself runs under tsx) with
 * extra environment variables; undefined if neither form can be loaded.
 */
function runLoaderChild(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } | undefined {
  const pick = (name: string): { url: URL; args: string[] } | undefined => {
    const js = new URL(`../../runtime/ring/${name}.js`, import.meta.url);
    if (existsSync(fileURLToPath(js))) return { url: js, args: [] };
    const ts = new URL(`../../runtime/ring/${name}.ts`, import.meta.url);
    if (existsSync(fileURLToPath(ts)) && process.execArgv.includes('tsx')) return { url: ts, args: [...process.execArgv] };
    return undefined;
  };
  const index = pick('index');
  const native = pick('native');
  if (!index || !native) return undefined;
  const script = `
    const index = await import(${JSON.stringify(index.url.href)});
    const native = await import(${JSON.stringify(native.url.href)});
    try {
      const b = index.defaultBackend();
      process.stdout.write(b.name + ' ' + native.loadNativeKernels().isa() + ' ' + b.threads());
    } catch (e) {
      process.stdout.write('error ' + e.code + ': ' + e.message);
    }
  `;
  const res = spawnSync(process.execPath, [...index.args, '--input-type=module', '-e', script], {
    timeout: 20_000, encoding: 'utf8', env: { ...process.env, TFE_RING_BACKEND: '', TFE_RING_ISA: '', TFE_RING_THREADS: '', ...env },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('native ring addon lifecycle', { skip: skipUnlessBuilt }, () => {
  test('the loader caches one instance and reports an ISA and thread count', () => {
    const k = kernels();
    assert.equal(loadNativeKernels(), k);
    assert.ok(k.isas().includes(k.isa()));
    assert.ok(k.isas().includes('portable'));
    assert.ok(k.threads() >= 1);
    assert.ok(k.defaultThreads() >= 1);
  });

  test('TFE_RING_ISA and TFE_RING_THREADS overrides', () => {
    const k = kernels();
    const [isa0, threads0] = [k.isa(), k.threads()];
    try {
      applyEnvOverrides(k, { TFE_RING_ISA: 'portable', TFE_RING_THREADS: '3' });
      assert.equal(k.isa(), 'portable');
      assert.equal(k.threads(), 3);
      applyEnvOverrides(k, {});
      assert.equal(k.isa(), 'portable', 'no override leaves the setting alone');
      assertTfeError(() => applyEnvOverrides(k, { TFE_RING_ISA: 'sse2' }), 'E_BACKEND', /TFE_RING_ISA='sse2' is not one of avx512, avx2, portable/);
      for (const isa of ['avx512', 'avx2'] as const) {
        if (k.isas().includes(isa)) {
          applyEnvOverrides(k, { TFE_RING_ISA: isa });
          assert.equal(k.isa(), isa);
        } else {
          assertTfeError(() => applyEnvOverrides(k, { TFE_RING_ISA: isa }), 'E_BACKEND', new RegExp(`TFE_RING_ISA='${isa}': this CPU cannot run that path`));
        }
      }
      for (const bad of ['0', 'two', '1.5', '-2', '5000']) {
        assertTfeError(() => applyEnvOverrides(k, { TFE_RING_THREADS: bad }), 'E_ARG', /TFE_RING_THREADS/);
      }
    } finally {
      k.setIsa(isa0);
      k.setThreads(threads0);
    }
  });

  test('the environment overrides reach a fresh process through the backend selection', (t) => {
    const k = kernels();
    const portable = runLoaderChild({ TFE_RING_ISA: 'portable', TFE_RING_THREADS: '3' });
    if (!portable) {
      t.skip('runtime/ring/index is neither built (.js) nor loadable through tsx here');
      return;
    }
    assert.equal(portable.stdout, 'native portable 3', portable.stderr);
    const best = runLoaderChild({});
    assert.equal(best?.stdout, `native ${k.isas()[0]} ${k.defaultThreads()}`, best?.stderr);
    if (!k.isas().includes('avx512')) {
      const refused = runLoaderChild({ TFE_RING_ISA: 'avx512' });
      assert.match(refused?.stdout ?? '', /^error E_BACKEND: TFE_RING_ISA='avx512': this CPU cannot run that path/);
    }
  });

  test('a process that used the thread pool (and loaded the addon twice) exits promptly', () => {
    const script = `
      const r = require(${JSON.stringify(addonPath())});
      r.setThreads(3);
      const n = 200, a = new BigUint64Array(n * n).fill(3n), out = new BigUint64Array(n * n);
      r.matmul(a, a, out, n, n, n);
      if (out[0] !== 1800n) throw new Error('bad product ' + out[0]);
      r.setThreads(2);
      r.add(new BigUint64Array(1 << 17), new BigUint64Array(1 << 17), new BigUint64Array(1 << 17));
      // a second initialisation in the same environment (fresh require) must work too
      delete require.cache[${JSON.stringify(addonPath())}];
      const r2 = require(${JSON.stringify(addonPath())});
      r2.matmul(a, a, out, n, n, n);
      process.stdout.write(r2.isa() + ' ok');
    `;
    const res = spawnSync(process.execPath, ['-e', script], { timeout: 20_000, encoding: 'utf8' });
    assert.equal(res.error, undefined, `child failed to run or hung: ${String(res.error)}`);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, / ok$/);
  });

  test('the addon works from a worker thread while the main thread uses it too', async () => {
    const k = kernels();
    const n = 96;
    const a = randomRing(n * n);
    const want = new BigUint64Array(n * n);
    k.matmul(a, a, want, n, n, n);
    const worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads');
      const r = require(workerData.path);
      const out = new BigUint64Array(workerData.n * workerData.n);
      for (let i = 0; i < 20; i++) r.matmul(workerData.a, workerData.a, out, workerData.n, workerData.n, workerData.n);
      parentPort.postMessage(out);
    `, { eval: true, workerData: { path: addonPath(), a, n } });
    const done = new Promise<BigUint64Array>((resolve, reject) => {
      worker.once('message', (m: BigUint64Array) => resolve(m));
      worker.once('error', reject);
    });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    for (let i = 0; i < 20; i++) {
      const out = new BigUint64Array(n * n);
      k.matmul(a, a, out, n, n, n);
      assertSameData(out, want, 'main thread product');
    }
    assertSameData(await done, want, 'worker thread product');
    assert.equal(await exited, 0, 'the worker exits on its own (its env cleanup ran)');
    // the main thread's addon still works after the worker's environment went away
    const out = new BigUint64Array(n * n);
    const threads0 = k.threads();
    k.setThreads(2);
    k.matmul(a, a, out, n, n, n);
    k.setThreads(threads0);
    assertSameData(out, want, 'main thread product after the worker exited');
  });
});
