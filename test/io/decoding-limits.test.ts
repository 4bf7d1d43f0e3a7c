/**
 * Decoding limits (issue 11), on hostile files built here: a 60-byte PNG whose header
 * declares 100000 x 100000 pixels is refused from its header (E_SHAPE against the
 * model's size, or E_FORMAT over the pixel cap with --resize) without decoding; a gzip
 * bomb given as an MNIST IDX file stops at the inflation cap (E_FORMAT naming the file);
 * JSON nested 100000 deep is an E_FORMAT error, not a stack overflow; a .npy whose
 * header's shape does not account for its data bytes is E_FORMAT.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32, deflateSync, gzipSync } from 'node:zlib';
import { TfeError, type ErrorCode } from '../../src/errors.js';
import type { InputBinding } from '../../src/plan/index.js';
import { readInputFile } from '../../runtime/io/inputs.js';
import { parseJsonInputs } from '../../runtime/io/json-input.js';
import { MAX_IDX_BYTES, readIdx, readMnistFiles } from '../../runtime/io/mnist.js';
import { parseNpy } from '../../runtime/io/npy.js';
import { MAX_PNG_PIXELS, parsePng, pngDeclaredSize } from '../../runtime/io/png.js';
import { npy } from '../support/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'tfe-limits-'));
const image: InputBinding = { name: 'x', tensor: 't', shape: [-1, 28, 28, 1], dtype: 'float32', provider: 'client', scale: 16, range: [0, 1] };
const is = (code: ErrorCode, re: RegExp) => (e: unknown) => e instanceof TfeError && e.code === code && re.test(e.message);

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A gray 8-bit PNG declaring w x h pixels, with one tiny IDAT (a valid header, far too little data). */
function hugePng(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', new Uint8Array(0))]);
}

test('a small PNG declaring 100000x100000 pixels is refused from its header, before decoding', () => {
  const bytes = hugePng(100000, 100000);
  assert.ok(bytes.length < 100);
  assert.deepEqual(pngDeclaredSize(bytes), { width: 100000, height: 100000 });
  const p = join(dir, 'huge.png');
  writeFileSync(p, bytes);
  const t0 = performance.now();
  assert.throws(() => readInputFile(p, [image]), (e: unknown) => is('E_SHAPE', /huge\.png is 100000x100000 pixels.*takes 28x28/)(e) && /--resize/.test((e as TfeError).hint ?? ''));
  assert.throws(() => readInputFile(p, [image], { resize: true }), is('E_FORMAT', /huge\.png: the PNG header declares 100000x100000 pixels, more than the 64 Mpixel/));
  assert.throws(() => parsePng(bytes, 'h.png', { channels: 1 }), is('E_FORMAT', /h\.png.*100000x100000/));
  // just over the cap is refused too, and a zero-sized image is malformed
  const side = Math.ceil(Math.sqrt(MAX_PNG_PIXELS)) + 1;
  assert.throws(() => parsePng(hugePng(side, side), 'c.png', { channels: 1 }), is('E_FORMAT', /more than the 64 Mpixel/));
  assert.throws(() => parsePng(hugePng(0, 28), 'z.png', { channels: 1 }), is('E_FORMAT', /empty 0x28/));
  // refused from the header: no 10^10-pixel decode was attempted (that would take minutes or fail on memory)
  assert.ok(performance.now() - t0 < 2000);
});

test('a gzip bomb as an MNIST IDX file stops at the inflation cap with an E_FORMAT error naming the file', () => {
  // 4 MiB of an IDX header and zeros compress to a few KB; with a 1 MiB cap it is a bomb
  const header = Buffer.alloc(16);
  header.writeUInt32BE(2051, 0);
  header.writeUInt32BE(5349, 4);
  header.writeUInt32BE(28, 8);
  header.writeUInt32BE(28, 12);
  const bomb = gzipSync(Buffer.concat([header, Buffer.alloc(4 * 2 ** 20)]), { level: 9 });
  assert.ok(bomb.length < 8192, `bomb of ${bomb.length} bytes`);
  const p = join(dir, 'bomb-images-idx3-ubyte.gz');
  writeFileSync(p, bomb);
  assert.throws(() => readIdx(p, 2051, 2 ** 20), is('E_FORMAT', /bomb-images-idx3-ubyte\.gz: inflates to more than 1048576 bytes/));
  assert.equal(readIdx(p, 2051, 8 * 2 ** 20).dims[0], 5349);
  // with the default cap: a ~130 KB file inflating past 128 MiB
  const big = join(dir, 'big-images-idx3-ubyte.gz');
  writeFileSync(big, gzipSync(Buffer.concat([header, Buffer.alloc(MAX_IDX_BYTES)]), { level: 1 }));
  assert.throws(() => readMnistFiles(big, big), is('E_FORMAT', /big-images-idx3-ubyte\.gz: inflates to more than 134217728 bytes/));
});

test('JSON nested 100000 deep is an E_FORMAT error, not a stack overflow; brackets inside strings do not count', () => {
  const deep = `${'['.repeat(100000)}0${']'.repeat(100000)}`;
  assert.throws(() => parseJsonInputs(deep, 'deep.json', ['x']), is('E_FORMAT', /deep\.json: JSON nested more than 64 deep/));
  const p = join(dir, 'deep.json');
  writeFileSync(p, `{"x": ${deep}}`);
  assert.throws(() => readInputFile(p, [image]), is('E_FORMAT', /nested more than 64/));
  const fine = parseJsonInputs(JSON.stringify({ input: [[0.5, 1]], note: `${'['.repeat(100)} \\" [[[` }), 'f.json', ['x']);
  assert.deepEqual(fine.x.shape, [1, 2]);
  assert.throws(() => parseJsonInputs(`${'['.repeat(65)}${']'.repeat(65)}`, 'd65.json', ['x']), /nested more than 64/);
  assert.deepEqual(parseJsonInputs(`${'['.repeat(63)}1${']'.repeat(63)}`, 'd63.json', ['x']).x.shape.length, 63);
});

test('a .npy whose shape does not account for its data bytes is E_FORMAT; a huge declared shape is refused before allocating', () => {
  assert.throws(() => parseNpy(npy('<f4', [2], Float32Array.of(1, 2, 3)), 'extra.npy'), is('E_FORMAT', /extra\.npy.*shape \(2,\) holds 2 values of 4 bytes \(8\), but the file has 12 bytes/));
  assert.throws(() => parseNpy(npy('<f4', [100000, 100000, 100], Float32Array.of(1)), 'big.npy'), is('E_FORMAT', /big\.npy.*truncated data/));
  assert.deepEqual(Array.from(parseNpy(npy('<f4', [3], Float32Array.of(1, 2, 3)), 'ok.npy').data), [1, 2, 3]);
});
