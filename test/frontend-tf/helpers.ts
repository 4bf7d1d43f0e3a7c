/**
 * Helpers for the TF frontend tests: a .npy reader (little-endian float32/float64,
 * C order), a tfjs-converter runner over in-memory artifacts on the cpu backend,
 * temp-dir copies of shared models for corruption tests, and error matchers.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TfeError, type ErrorCode } from '../../src/errors.js';
import type { T64 } from './eval64.js';

/** Reads a .npy file of float32 or float64 (version 1/2 header, C order). */
export function readNpy(path: string): T64 {
  const b = readFileSync(path);
  const headerLen = b[6] === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = b[6] === 1 ? 10 : 12;
  const header = b.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order`);
  const body = b.subarray(start + headerLen);
  const n = shape.reduce((a, c) => a * c, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = descr === '<f4' ? body.readFloatLE(4 * i) : descr === '<f8' ? body.readDoubleLE(8 * i) : NaN;
  if (descr !== '<f4' && descr !== '<f8') throw new Error(`${path}: dtype ${descr}`);
  return { shape, data };
}

let ready: Promise<void> | undefined;

/** Runs tfjs-converter on `artifacts` (float32 cpu backend); feeds by input name. */
export async function runTfjs(artifacts: tf.io.ModelArtifacts, feeds: Record<string, T64>, outputs?: string[]): Promise<T64[]> {
  ready ??= tf.setBackend('cpu').then(() => tf.ready());
  await ready;
  const model = await loadGraphModel(tf.io.fromMemory(artifacts));
  const ins: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) ins[k] = tf.tensor(Float32Array.from(v.data), v.shape, 'float32');
  const res = model.execute(ins, outputs);
  const list = Array.isArray(res) ? res : [res];
  const out = await Promise.all(list.map(async (t) => ({ shape: [...t.shape], data: Float64Array.from(await t.data() as Float32Array) })));
  tf.dispose([...list, ...Object.values(ins)]);
  model.dispose();
  return out;
}

const tempDirs: string[] = [];
process.on('exit', () => { for (const d of tempDirs) rmSync(d, { recursive: true, force: true }); });

/** A fresh temp dir (removed when the process exits) holding a copy of `src` under `name`. */
export function tempCopy(src: string, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-frontend-tf-'));
  tempDirs.push(dir);
  const dst = join(dir, name);
  cpSync(src, dst, { recursive: true });
  makeWritable(dst);
  return dst;
}

/** The shared models are read-only; their copies must be writable (and removable) by the tests. */
function makeWritable(path: string): void {
  const st = statSync(path);
  chmodSync(path, st.mode | 0o600 | (st.isDirectory() ? 0o100 : 0));
  if (st.isDirectory()) for (const e of readdirSync(path)) makeWritable(join(path, e));
}

/** An assert.rejects/throws matcher: a TfeError with `code` whose message matches every pattern. */
export function tfeError(code: ErrorCode, ...patterns: RegExp[]): (e: unknown) => boolean {
  return (e) => {
    if (!(e instanceof TfeError)) throw e;
    if (e.code !== code) throw new Error(`expected ${code}, got ${e.code}: ${e.message}`);
    for (const p of patterns) if (!p.test(e.message)) throw new Error(`message ${JSON.stringify(e.message)} does not match ${p}`);
    if (e.message.includes('\n')) throw new Error(`message is not one line: ${e.message}`);
    return true;
  };
}

/** Max |a - b| / (1 + |b|) over two tensors of the same shape. */
export function maxRelDiff(a: T64, b: T64): number {
  if (a.data.length !== b.data.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]) / (1 + Math.abs(b.data[i])));
  return m;
}

export function argmaxRows(t: T64): number[] {
  const n = t.shape[t.shape.length - 1];
  const out: number[] = [];
  for (let r = 0; r < t.data.length; r += n) {
    let best = 0;
    for (let i = 1; i < n; i++) if (t.data[r + i] > t.data[r + best]) best = i;
    out.push(best);
  }
  return out;
}
