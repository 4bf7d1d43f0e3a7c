/**
 * The PRG's two AES-CTR paths give the same stream: a Prg in this process (the
 * native AES-NI path when available) against one in a child process with
 * TFE_PRG=node (node:crypto), for several seeds, stream ids and fill patterns; the
 * native path is the one used when available; TFE_PRG is parsed strictly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { nativeAes } from '../../runtime/crypto/aes-native.js';
import { Prg, prgBackend } from '../../runtime/crypto/prg.js';
import { TfeError } from '../../src/errors.js';

/** Draws from a Prg in a fixed pattern of fills at odd lengths; returns the bytes as hex. */
function draw(prg: Prg): string {
  const parts: Uint8Array[] = [];
  for (const n of [1, 15, 16, 17, 0, 4095, 3, 65_536, 7]) {
    const b = new Uint8Array(n);
    prg.fill(b);
    parts.push(b);
  }
  parts.push(new Uint8Array(prg.ring(1001).buffer), new Uint8Array(prg.bits(77).buffer), prg.seed());
  return Buffer.concat(parts).toString('hex');
}

const CASES: readonly { seed: string; stream: bigint }[] = [
  { seed: randomBytes(16).toString('hex'), stream: 0n },
  { seed: randomBytes(16).toString('hex'), stream: 42n },
  { seed: randomBytes(16).toString('hex'), stream: (1n << 64n) - 1n },
];

const prgJs = new URL('../../runtime/crypto/prg.js', import.meta.url);
const childSkip = existsSync(fileURLToPath(prgJs)) ? false : 'runs from dist/ only (the child imports the compiled prg.js)';

/** Runs the same draws in a child process with `env`; returns its backend and outputs. */
function drawInChild(env: Record<string, string>): { backend: string; outputs: string[] } {
  const script = `
    const { Prg, prgBackend } = await import(${JSON.stringify(prgJs.href)});
    const cases = ${JSON.stringify(CASES.map((c) => ({ seed: c.seed, stream: c.stream.toString() })))};
    const draw = ${draw.toString()};
    const outputs = cases.map((c) => {
      const prg = new Prg(new Uint8Array(Buffer.from(c.seed, 'hex')), BigInt(c.stream));
      if (prg.backend !== prgBackend()) throw new Error('backend mismatch');
      return draw(prg);
    });
    process.stdout.write(JSON.stringify({ backend: prgBackend(), outputs }));
  `;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    timeout: 30_000, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env },
  });
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout) as { backend: string; outputs: string[] };
}

/** Runs `f` with process.env.TFE_PRG set to `value` (restored after). */
function withEnv<T>(value: string | undefined, f: () => T): T {
  const old = process.env.TFE_PRG;
  if (value === undefined) delete process.env.TFE_PRG;
  else process.env.TFE_PRG = value;
  try {
    return f();
  } finally {
    if (old === undefined) delete process.env.TFE_PRG;
    else process.env.TFE_PRG = old;
  }
}

describe('PRG backends', () => {
  test('the native AES-NI path is used exactly when the addon has it (and TFE_PRG does not force node)', () => {
    const want = nativeAes() ? 'aes-ni' : 'node';
    withEnv(undefined, () => {
      assert.equal(prgBackend(), want);
      assert.equal(Prg.fresh().backend, want);
    });
    withEnv('node', () => {
      assert.equal(prgBackend(), 'node');
      assert.equal(Prg.fresh().backend, 'node');
    });
  });

  test('in-process native and node paths give the same stream (and equal node:crypto)', () => {
    for (const c of CASES) {
      const seed = new Uint8Array(Buffer.from(c.seed, 'hex'));
      const auto = withEnv(undefined, () => new Prg(seed, c.stream));
      const node = withEnv('node', () => new Prg(seed, c.stream));
      assert.equal(node.backend, 'node');
      assert.equal(draw(auto), draw(node));
      // the raw bytes of odd-length fills are node:crypto's keystream
      const fresh = withEnv(undefined, () => new Prg(seed, c.stream));
      const sizes = [3, 29, 16, 1, 100_003, 0, 5];
      const got = Buffer.concat(sizes.map((n) => {
        const b = new Uint8Array(n);
        fresh.fill(b);
        return b;
      }));
      const iv = Buffer.alloc(16);
      iv.writeBigUInt64BE(c.stream, 0);
      assert.ok(got.equals(createCipheriv('aes-128-ctr', seed, iv).update(Buffer.alloc(got.length))));
    }
  });

  test('a child process with TFE_PRG=node draws the same bytes as this process', { skip: childSkip }, () => {
    const here = CASES.map((c) => draw(withEnv(undefined, () => new Prg(new Uint8Array(Buffer.from(c.seed, 'hex')), c.stream))));
    const child = drawInChild({ TFE_PRG: 'node' });
    assert.equal(child.backend, 'node');
    assert.deepEqual(child.outputs, here);
    if (nativeAes()) {
      const nativeChild = drawInChild({ TFE_PRG: 'aes-ni' });
      assert.equal(nativeChild.backend, 'aes-ni');
      assert.deepEqual(nativeChild.outputs, here);
    }
  });

  test('TFE_PRG is parsed strictly', () => {
    assert.equal(prgBackend({ TFE_PRG: 'node' }), 'node');
    assert.equal(prgBackend({ TFE_PRG: '' }), nativeAes() ? 'aes-ni' : 'node');
    assert.throws(() => prgBackend({ TFE_PRG: 'openssl' }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG');
    if (nativeAes()) assert.equal(prgBackend({ TFE_PRG: 'aes-ni' }), 'aes-ni');
    else assert.throws(() => prgBackend({ TFE_PRG: 'aes-ni' }), (e: unknown) => e instanceof TfeError && e.code === 'E_BACKEND');
  });
});
