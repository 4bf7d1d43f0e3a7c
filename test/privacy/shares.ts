/**
 * The share-holders' own material, as part of their views. A share-holder's view is
 * not only what it receives: it also holds its share of every mask, drawn from the seed
 * it shares with the material party (runtime/crypto/material.ts). A leak that lets
 * server0 hold server1's share of a mask too (the material party sends it server1's
 * correction, uses one seed for both, or gives server1 a seed anyone knows) leaves
 * every message and every opening uniform, so the per-bit tests of views.ts cannot see
 * it; server0 can nevertheless unmask every opening. These checks look for exactly that:
 *
 *  - no word of one share-holder's material shares occurs in the other's view (its own
 *    material shares and every data or material frame it received);
 *  - no word of a share-holder's material shares occurs twice: not in another draw of
 *    the same deployment, nor in an earlier deployment (fresh seeds, never a stream used
 *    twice, never a fixed or zero seed);
 *  - per bit (jointViews): each material frame a share-holder receives, combined with
 *    each of its own draws of the same length (sum and XOR), is uniform and the same
 *    for two inputs: a frame that completes one of its shares into the value itself (a
 *    product, a select bit) shows as a biased bit.
 *
 * Shares of a random sharing and corrections of a helper-made value are uniform 64-bit
 * words, independent of each other, so some word is found again by chance with
 * probability below (words compared)^2 / 2^64: zoo net B draws ~4 x 10^4 words per
 * deployment (as kept here) and receives ~3 x 10^4, so over 3 deployments below 10^-9.
 * Any match is a leak. Only the first LIMIT words of each draw and frame
 * are kept (a leak of a whole tensor shows in its first words).
 *
 * The recording patches the DealerMaterial class of the runtime under test (the real
 * compiled one, or a mutant's copy) in this test process; it changes no result.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RingTensor, Shape } from '../../runtime/ring/tensor.js';
import { countBits, newCounts, type BitCounts } from './stats.js';
import type { Message } from './views.js';

type MaterialModule = typeof import('../../runtime/crypto/material.js');
type Material = InstanceType<MaterialModule['DealerMaterial']>;

/** Words kept per draw and per frame. */
export const LIMIT = 256;

/** One draw of a share-holder's material: its share of a random sharing, or its share of a helper-made value. */
export interface Draw {
  readonly side: 'server0' | 'server1';
  readonly method: string;
  /** Elements drawn. */
  readonly n: number;
  /** The first LIMIT of them. */
  readonly words: BigUint64Array;
}

let current: Draw[] | undefined;
const patched = new WeakSet<object>();

function keep(m: Material, method: string, words: BigUint64Array | undefined): void {
  if (current && words && m.side !== 'dealer') current.push({ side: m.side, method, n: words.length, words: words.slice(0, LIMIT) });
}

/** Makes the DealerMaterial of the runtime under `root` record what the share-holders draw (once per runtime). */
export async function recordDraws(root: string): Promise<void> {
  const mod = (await import(pathToFileURL(join(root, 'runtime/crypto/material.js')).href)) as MaterialModule;
  const proto = mod.DealerMaterial.prototype;
  if (patched.has(proto)) return;
  patched.add(proto);
  const { randA, randB, giveA, giveB, ownWords } = proto;
  proto.randA = function (this: Material, shape: Shape): RingTensor {
    const t = randA.call(this, shape);
    keep(this, 'randA', t.data);
    return t;
  };
  proto.randB = function (this: Material, shape: Shape): RingTensor {
    const t = randB.call(this, shape);
    keep(this, 'randB', t.data);
    return t;
  };
  proto.giveA = async function (this: Material, shape: Shape, value: () => RingTensor): Promise<RingTensor> {
    const t = await giveA.call(this, shape, value);
    keep(this, 'giveA', t.data);
    return t;
  };
  proto.giveB = async function (this: Material, shape: Shape, value: () => RingTensor): Promise<RingTensor> {
    const t = await giveB.call(this, shape, value);
    keep(this, 'giveB', t.data);
    return t;
  };
  proto.ownWords = function (this: Material, n: number): Partial<Record<'server0' | 'server1', BigUint64Array>> {
    const w = ownWords.call(this, n);
    if (this.side !== 'dealer') keep(this, 'ownWords', w[this.side]);
    return w;
  };
}

/** Runs `f` with the share-holders' draws recorded (recordDraws must have patched its runtime). */
export async function withDraws<T>(f: () => Promise<T>): Promise<{ result: T; draws: Draw[] }> {
  if (current) throw new Error('withDraws: draws are already being recorded');
  const draws: Draw[] = [];
  current = draws;
  try {
    return { result: await f(), draws };
  } finally {
    current = undefined;
  }
}

function wordsIn(into: Set<bigint>, words: BigUint64Array): void {
  for (let i = 0; i < Math.min(LIMIT, words.length); i++) into.add(words[i]);
}

function countIn(set: ReadonlySet<bigint>, words: BigUint64Array): number {
  let n = 0;
  for (let i = 0; i < Math.min(LIMIT, words.length); i++) if (set.has(words[i])) n++;
  return n;
}

const OTHER = { server0: 'server1', server1: 'server0' } as const;

/**
 * Words of each share-holder's material shares that occur in the other share-holder's
 * view (its draws and every data or material frame it received), by the holder whose
 * shares leaked: { server1: k } means server0 can read k words of server1's shares.
 */
export function crossViewWords(draws: readonly Draw[], received: readonly Message[]): Record<'server0' | 'server1', number> {
  const found = { server0: 0, server1: 0 };
  for (const side of ['server0', 'server1'] as const) {
    const viewer = OTHER[side];
    const view = new Set<bigint>();
    for (const d of draws) if (d.side === viewer) wordsIn(view, d.words);
    for (const m of received) if (m.to === viewer) wordsIn(view, m.words);
    for (const d of draws) if (d.side === side) found[side] += countIn(view, d.words);
  }
  return found;
}

/**
 * Words of share-holders' draws that were drawn before: in an earlier draw of this
 * deployment or in any deployment whose words are in `earlier` (which is extended with
 * this deployment's words).
 */
export function reusedWords(draws: readonly Draw[], earlier: Set<bigint>): number {
  const seen = new Set<bigint>();
  let n = 0;
  for (const d of draws) {
    for (let i = 0; i < Math.min(LIMIT, d.words.length); i++) {
      const w = d.words[i];
      if (seen.has(w) || earlier.has(w)) n++;
      seen.add(w);
    }
  }
  for (const w of seen) earlier.add(w);
  return n;
}

/**
 * The share-holders' joint views, per bit: every material frame a share-holder received
 * combined with every one of its own draws of the same number of elements, as sum and
 * XOR (the value it would hold if the frame were the other share of that draw), added
 * to `into` under keys stable across deployments (receiver, bundle in order of
 * arrival, step, sequence number, draw index). Under the real code these are sums of
 * independent uniform words (a frame is the other share-holder's correction or public
 * key words, independent of this one's draws), so uniform; compared with stats.ts.
 */
export function jointViews(draws: readonly Draw[], received: readonly Message[], into: Map<string, BitCounts>): void {
  for (const side of ['server0', 'server1'] as const) {
    const own = draws.filter((d) => d.side === side);
    const bundles: bigint[] = [];
    for (const m of received) {
      if (m.to !== side || m.kind !== 'material') continue;
      if (!bundles.includes(m.session)) bundles.push(m.session);
      const frame = `${side} joint: material from ${m.from} b${bundles.indexOf(m.session)} step ${m.step} #${m.seq}`;
      own.forEach((d, j) => {
        if (d.n !== m.words.length) return;
        const k = Math.min(LIMIT, d.n);
        const sum = new BigUint64Array(k);
        const xor = new BigUint64Array(k);
        for (let i = 0; i < k; i++) {
          sum[i] = m.words[i] + d.words[i];
          xor[i] = m.words[i] ^ d.words[i];
        }
        for (const [op, w] of [['+', sum], ['^', xor]] as const) {
          const key = `${frame} with own ${d.method} #${j} ${op}`;
          const c = into.get(key) ?? newCounts();
          countBits(c, w, LIMIT);
          into.set(key, c);
        }
      });
    }
  }
}
