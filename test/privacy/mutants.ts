/**
 * Mutants of the masking code, kept as test fixtures: each one sets one kind of mask to
 * zero in the compiled runtime (a copy of dist/runtime and dist/src with one textual
 * change), the bug a privacy test exists to catch. The privacy tests must pass on the
 * real code and fail on every mutant. Each fixture names the exact code it replaces:
 * if that code changes, `mutantRoot` fails loudly rather than testing a mutant that
 * no longer mutates anything.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Mutant {
  readonly name: string;
  /** What the mutant breaks, in words. */
  readonly breaks: string;
  /** The compiled file, relative to dist/. */
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

const ZERO = (shape: string): string => `ringTensor(${shape}, new BigUint64Array(sizeOf(${shape})))`;

export const POND_MUTANTS: readonly Mutant[] = [
  {
    name: 'input-mask',
    breaks: "the input owner's mask r in share (x0 = r, x1 = x - r): r = 0",
    file: 'runtime/protocols/pond/io.js',
    find: 'const r = ringTensor(shape, ctx.prg.ring(n));',
    replace: 'const r = ringTensor(shape, new BigUint64Array(n));',
  },
  {
    name: 'triple-masks',
    breaks: 'the Beaver triple masks a and b (the servers open x - a, y - b): a = b = 0',
    file: 'runtime/protocols/pond/material.js',
    find: 'const a = m.randA(shapes.a);\n    let b;\n    if (cacheKey === undefined)\n        b = m.randA(shapes.b);',
    replace: `const a = ${ZERO('shapes.a')};\n    let b;\n    if (cacheKey === undefined)\n        b = ${ZERO('shapes.b')};`,
  },
  {
    name: 'weight-mask',
    breaks: 'the cached weight mask B (the servers open W - B at setup): B = 0',
    file: 'runtime/protocols/pond/material.js',
    find: 'const b = m.randA(shape);\n    if (!m.isServer) {',
    replace: `const b = ${ZERO('shape')};\n    if (!m.isServer) {`,
  },
  {
    name: 'truncation-mask',
    breaks: 'the truncation mask r (the servers open x + r): r = 0',
    file: 'runtime/protocols/pond/material.js',
    find: 'const r = m.randA(shape);\n    const low63',
    replace: `const r = ${ZERO('shape')};\n    const low63`,
  },
  {
    name: 'comparison-mask',
    breaks: 'the comparison mask r of the masked bits (the servers open x + r before the bitwise comparison): r = 0',
    file: 'runtime/protocols/pond/material.js',
    find: 'const r = m.randA(shape);\n    const words = 64 * planeWords',
    replace: `const r = ${ZERO('shape')};\n    const words = 64 * planeWords`,
  },
  {
    name: 'and-triple-masks',
    breaks: 'the AND-triple masks of the comparison circuit (the servers open P_hi ^ a, G_lo ^ b, P_lo ^ b): a = b = 0',
    file: 'runtime/protocols/pond/material.js',
    find: 'const a = m.randB([pairs * words]);\n    const b = m.randB([ands * words]);',
    replace: `const a = ${ZERO('[pairs * words]')};\n    const b = ${ZERO('[ands * words]')};`,
  },
  {
    name: 'select-mask',
    breaks: 'the select bit s (the servers open b ^ s to choose between two values): s = 0',
    file: 'runtime/protocols/pond/material.js',
    find: 'const sBool = m.randB([planeWords(sizeOf(shape))]);',
    replace: `const sBool = ${ZERO('[planeWords(sizeOf(shape))]')};`,
  },
];

/** Mutants of the FSS comparison's material (runtime/protocols/pond/fss), run by fss.test.ts and securenn-fss.test.ts. */
export const FSS_MUTANTS: readonly Mutant[] = [
  {
    name: 'fss-comparison-mask',
    breaks: 'the FSS comparison mask r (the servers open c = x + r, the DCF point): r = 0',
    file: 'runtime/protocols/pond/fss/material.js',
    find: 'const r = m.randA(shape);\n    const rMsb',
    replace: `const r = ${ZERO('shape')};\n    const rMsb`,
  },
  {
    name: 'fss-payload-masks',
    breaks: 'the FSS payload masks a_j (the servers open y_j - a_j in the comparison round): a_j = 0',
    file: 'runtime/protocols/pond/fss/material.js',
    find: 'a.push(m.randA(shape));',
    replace: `a.push(${ZERO('shape')});`,
  },
];

/** dist/ (the compiled project), from this module's place in dist/test/privacy. */
export const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A copy of the compiled runtime and shared contract with `m` applied, under
 * dist/.mutants/NAME (inside the package, so the ring engines and node_modules
 * resolve as for the real code). Returns the root to import modules from.
 */
export function mutantRoot(m: Mutant): string {
  const root = join(DIST, '.mutants', m.name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  for (const dir of ['runtime', 'src']) cpSync(join(DIST, dir), join(root, dir), { recursive: true });
  const file = join(root, m.file);
  if (!existsSync(file)) throw new Error(`mutant ${m.name}: ${m.file} is not in dist/`);
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(m.find);
  if (at < 0 || text.indexOf(m.find, at + 1) >= 0) {
    throw new Error(`mutant ${m.name}: the code it replaces occurs ${at < 0 ? 'nowhere' : 'more than once'} in ${m.file}; update the fixture`);
  }
  writeFileSync(file, text.slice(0, at) + m.replace + text.slice(at + m.find.length));
  return root;
}

/**
 * Mutants of securenn's helper (server2, the material party that holds no share), run by
 * test/privacy/securenn.test.ts on a securenn plan. They leave every message and every
 * opening uniform, yet let server0 unmask: what they break is which shares server0 can
 * hold, so the views must include the share-holders' own material (shares.ts).
 */
export const SECURENN_MUTANTS: readonly Mutant[] = [
  {
    name: 'sn-helper-leaks-corrections',
    breaks: "the helper sends server1's correction of every helper-made value (server1's share of it) to server0 as well, so server0 holds both shares of every product, truncation tuple and select bit",
    file: 'runtime/crypto/material.js',
    find: 'this.channel.send(minus(v, t, t).data);',
    replace: 'this.channel.send(minus(v, t, t).data);\n            this.channel0.send(t.data);',
  },
  {
    name: 'sn-helper-leaks-values',
    breaks: 'the helper sends server0 every helper-made value itself (products, truncation tuples, select bits) besides server1\'s correction',
    file: 'runtime/crypto/material.js',
    find: 'this.channel.send(minus(v, t, t).data);',
    replace: 'this.channel0.send(v.data);\n            this.channel.send(minus(v, t, t).data);',
  },
  {
    name: 'sn-helper-same-seed',
    breaks: "the helper gives server0 and server1 the same seed, so server0 draws server1's share of every mask itself",
    file: 'runtime/party/dealer.js',
    find: 'this.seeds = Object.fromEntries(this.servers.map((s) => [s, freshSeed()]));',
    replace: 'const seed = freshSeed();\n        this.seeds = Object.fromEntries(this.servers.map((s) => [s, seed]));',
  },
  {
    name: 'sn-helper-zero-seed',
    breaks: "securenn only (the material role is a server, not Pond's dealer): the helper gives server1 the all-zero seed, so server1's share of every mask is one fixed stream anyone can draw",
    file: 'runtime/party/dealer.js',
    find: 'this.seeds = Object.fromEntries(this.servers.map((s) => [s, freshSeed()]));',
    replace: "this.seeds = Object.fromEntries(this.servers.map((s) => [s, this.role !== 'dealer' && s === this.servers[1] ? new Uint8Array(16) : freshSeed()]));",
  },
];
