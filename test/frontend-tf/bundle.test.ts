/**
 * The tensor-bundle building blocks: CRC-32C against published check values,
 * the snappy decompressor against the independent snappyjs compressor, the
 * SSTable reader and bundle on the shared SavedModels' variables (one of them
 * snappy-compressed), and errors on corrupt input.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { crc32c, maskCrc } from '../../compiler/frontend/crc32c.js';
import { snappyDecompress } from '../../compiler/frontend/snappy.js';
import { readSsTable } from '../../compiler/frontend/sstable.js';
import { openTensorBundle } from '../../compiler/frontend/tensor-bundle.js';
import { sharedModel } from '../support/paths.js';
import { tfeError } from './helpers.js';

const snappyjs = createRequire(import.meta.url)('snappyjs') as { compress(b: Uint8Array): Uint8Array };

const variables = (name: string): string => sharedModel(name, 'saved_model', 'variables', 'variables');

describe('crc32c', () => {
  it('matches the RFC 3720 / iSCSI check values', () => {
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  });
  it('continues a checksum across chunks, and masks as LevelDB does', () => {
    const b = randomBytes(1000);
    assert.equal(crc32c(b.subarray(300), crc32c(b.subarray(0, 300))), crc32c(b));
    // mask(c) = rotr(c, 15) + 0xa282ead8
    assert.equal(maskCrc(0), 0xa282ead8);
    assert.equal(maskCrc(1 << 15), (1 + 0xa282ead8) >>> 0);
  });
});

describe('snappy', () => {
  it('decompresses what snappyjs compresses (random, repetitive, empty)', () => {
    const repetitive = Buffer.from('abcabcabcabcabcabc0123456789'.repeat(500));
    const mixed = Buffer.concat([randomBytes(3000), repetitive, randomBytes(70000), repetitive]);
    for (const input of [new Uint8Array(0), randomBytes(100), repetitive, mixed]) {
      const c = snappyjs.compress(input);
      assert.deepEqual(Buffer.from(snappyDecompress(c, 'test')), Buffer.from(input));
    }
  });
  it('rejects corrupt streams without reading out of bounds', () => {
    const c = snappyjs.compress(Buffer.from('hello hello hello hello hello'.repeat(20)));
    assert.throws(() => snappyDecompress(c.subarray(0, c.length - 3), 'blk'), tfeError('E_FORMAT', /blk/, /corrupt snappy/));
    assert.throws(() => snappyDecompress(Uint8Array.of(10, 0x01, 0x00), 'blk'), tfeError('E_FORMAT', /copy out of bounds/));
    assert.throws(() => snappyDecompress(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 'blk'), tfeError('E_FORMAT', /length/));
  });
});

describe('tensor bundle', () => {
  it('reads TF1 variables from an uncompressed and a snappy-compressed index', () => {
    const reg = openTensorBundle(variables('tf2onnx_regression_savedmodel'));
    assert.deepEqual(reg.keys(), ['W', 'b']);
    assert.equal(reg.read('W').values[0], Math.fround(0.21396178));
    const hp = openTensorBundle(variables('tfserving_half_plus_two_cpu'));
    assert.deepEqual(hp.keys(), ['a', 'a2', 'b', 'c', 'c2']);
    assert.deepEqual(hp.keys().map((k) => hp.read(k).values[0]), [0.5, 0.5, 2, 3, 3]);
    assert.deepEqual(hp.read('a').shape, []);
  });
  it('reads TF2 object-graph keys and the string-typed object graph (CRC-checked)', () => {
    const b = openTensorBundle(variables('tfserving_half_plus_two_tf2_cpu'));
    assert.ok(b.has('_CHECKPOINTABLE_OBJECT_GRAPH'));
    assert.equal(b.read('a/.ATTRIBUTES/VARIABLE_VALUE').values[0], 0.5);
    const og = b.readStringBytes('_CHECKPOINTABLE_OBJECT_GRAPH');
    assert.equal(og.length, 1);
    assert.ok(Buffer.from(og[0]).includes('a/.ATTRIBUTES/VARIABLE_VALUE'));
  });
  it('an absent key is E_FORMAT naming it', () => {
    const b = openTensorBundle(variables('tf2onnx_regression_savedmodel'));
    assert.throws(() => b.read('nope'), tfeError('E_FORMAT', /variables\.index/, /'nope'/));
  });
  it('the SSTable reader names the file on a bad block handle', () => {
    const index = readFileSync(`${variables('tf2onnx_regression_savedmodel')}.index`);
    const bad = Buffer.from(index);
    // The index handle's offset varint sits in the footer (last 48 bytes); make it point past the end.
    const f = bad.length - 48;
    bad[f] = 0x7f; bad[f + 1] = 0x7f; bad[f + 2] = 0x7f; bad[f + 3] = 0x7f;
    assert.throws(() => readSsTable(bad, 'x.index'), tfeError('E_FORMAT', /x\.index/));
  });
});
