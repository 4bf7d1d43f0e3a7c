/**
 * Input edge cases: a PNG with bytes after IEND is read (as libpng does) with a
 * warning; a PNG given to a model whose input is not an image is a clear E_SHAPE error;
 * the --resize hint names the model's size; .npy format versions 2 and 3 (4-byte header
 * length; version 3's header is UTF-8) read like version 1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { TfeError } from '../../src/errors.js';
import type { InputBinding } from '../../src/plan/index.js';
import { readInputFile } from '../../runtime/io/inputs.js';
import { parseNpy } from '../../runtime/io/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'tfe-formats-'));
const image: InputBinding = { name: 'x', tensor: 't', shape: [-1, 28, 28, 1], dtype: 'float32', provider: 'client', scale: 16, range: [0, 1] };

/** A w x h gray PNG whose pixel (x, y) is (x + 3 y) mod 256. */
function pngBytes(w: number, h: number): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) {
    const v = ((i % w) + 3 * Math.floor(i / w)) % 256;
    p.data.set([v, v, v, 255], 4 * i);
  }
  return PNG.sync.write(p);
}

function rejects(f: () => unknown, code: string, message: RegExp): TfeError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof TfeError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return e;
  }
  assert.fail('expected an error');
}

test('a PNG with trailing bytes after IEND is read, with a warning naming the count', () => {
  const file = join(dir, 'trailing.png');
  writeFileSync(file, Buffer.concat([pngBytes(28, 28), Buffer.from('appended by an upload tool')]));
  const warnings: string[] = [];
  const x = readInputFile(file, [image], { onWarning: (w) => warnings.push(w) }).x;
  assert.deepEqual(x.shape, [1, 28, 28, 1]);
  assert.equal(x.data[3 * 28 + 5], (5 + 9) / 255, 'pixel (5, 3)');
  assert.deepEqual(warnings, [`${file}: 26 bytes after the PNG's end (IEND) ignored`]);
  const clean = join(dir, 'clean.png');
  writeFileSync(clean, pngBytes(28, 28));
  const none: string[] = [];
  assert.deepEqual(readInputFile(clean, [image], { onWarning: (w) => none.push(w) }).x.data, x.data);
  assert.deepEqual(none, []);
});

test('a PNG for a model whose input is not an image is a clear error', () => {
  const file = join(dir, 'img.png');
  writeFileSync(file, pngBytes(28, 28));
  const features: InputBinding = { ...image, shape: [-1, 13] };
  const e = rejects(() => readInputFile(file, [features], {}), 'E_SHAPE', /img\.png is an image, but the model's input 'x' of shape \[N,13\] is not one: 13 values per example are not a square image/);
  assert.match(e.hint ?? '', /\.npy or \.json/);
  rejects(() => readInputFile(file, [{ ...image, shape: [-1, 28, 28, 5] }], {}), 'E_SHAPE', /it has 5 channels/);
  // a flattened square image (MNIST's [N, 784]) is still an image
  assert.deepEqual(readInputFile(file, [{ ...image, shape: [-1, 784] }], {}).x.shape, [1, 784]);
});

test('a PNG of the wrong size: the hint names the model\'s size; --resize gives it', () => {
  const file = join(dir, 'big.png');
  writeFileSync(file, pngBytes(40, 30));
  const e = rejects(() => readInputFile(file, [{ ...image, shape: [-1, 32, 24, 1] }], {}), 'E_SHAPE', /is 40x30 pixels \(width x height\) but the model takes 24x32/);
  assert.equal(e.hint, 'pass --resize to resize it to 24x32 (bilinear)');
  assert.deepEqual(readInputFile(file, [{ ...image, shape: [-1, 32, 24, 1] }], { resize: true }).x.shape, [1, 32, 24, 1]);
});

/** A .npy file of format `major` (1: 2-byte header length; 2, 3: 4-byte), header padded to 64 bytes. */
function npy(major: 1 | 2 | 3, header: string, payload: Uint8Array): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  let h = new TextEncoder().encode(header);
  const pad = (64 - ((pre + h.length + 1) % 64)) % 64;
  h = new TextEncoder().encode(`${header}${' '.repeat(pad)}\n`);
  const out = new Uint8Array(pre + h.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, h.length, true);
  else v.setUint32(8, h.length, true);
  out.set(h, pre);
  out.set(payload, pre + h.length);
  return out;
}

test('.npy versions 2 and 3 read like version 1 (4-byte header length; UTF-8 header)', () => {
  const values = new Float32Array([0.5, -1.25, 3, 7.75, 0, 2]);
  const bytes = new Uint8Array(values.buffer);
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  for (const major of [1, 2, 3] as const) {
    const t = parseNpy(npy(major, header, bytes), `v${major}.npy`);
    assert.deepEqual(t.shape, [2, 3], `version ${major}`);
    assert.deepEqual(Array.from(t.data), Array.from(values), `version ${major}`);
  }
  // version 3: a header with non-ASCII text is measured in bytes, not characters
  const utf8 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'note': 'température €'}";
  assert.deepEqual(Array.from(parseNpy(npy(3, utf8, bytes), 'v3u.npy').data), Array.from(values));
  // a version-2 header larger than 65535 bytes (which version 1 cannot hold)
  const long = `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'pad': '${'x'.repeat(70000)}'}`;
  assert.deepEqual(parseNpy(npy(2, long, bytes), 'long.npy').shape, [2, 3]);
  rejects(() => parseNpy(npy(2, header, bytes).subarray(0, 40), 'cut.npy'), 'E_FORMAT', /cut\.npy: not a readable \.npy file: truncated header/);
});
