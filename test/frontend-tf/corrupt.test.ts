/**
 * Robustness: seeded random bit flips, byte overwrites and truncations of a frozen
 * GraphDef and of each file of a SavedModel must end in a successful load or a
 * one-line TfeError, never a bare exception or a hang. (A frozen .pb has no
 * checksum, so some flips still decode; the bundle's CRCs catch data corruption.)
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadGraphDef } from '../../compiler/frontend/graphdef.js';
import { loadSavedModel } from '../../compiler/frontend/savedmodel.js';
import { TfeError } from '../../src/errors.js';
import { sharedModel } from '../support/paths.js';
import { tempCopy } from './helpers.js';

/** A small deterministic LCG so that failures reproduce (not for anything secret). */
function lcg(seed: number): (n: number) => number {
  let s = seed;
  return (n) => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s % n; };
}

function mutate(orig: Uint8Array, rnd: (n: number) => number): Uint8Array {
  const b = Uint8Array.from(orig);
  switch (rnd(3)) {
    case 0: b[rnd(b.length)] ^= 1 << rnd(8); return b;
    case 1: return b.subarray(0, rnd(b.length));
    default: for (let k = 0; k < 4; k++) b[rnd(b.length)] = rnd(256); return b;
  }
}

async function outcome(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (!(e instanceof TfeError)) throw e;
    assert.ok(!e.message.includes('\n'), e.message);
    return e.code;
  }
}

describe('corrupt inputs', () => {
  it('mutated frozen GraphDefs load or fail with a TfeError', async () => {
    const rnd = lcg(1);
    const orig = readFileSync(sharedModel('tfe_mnist_cnn_avgpool', 'mnist_model.pb'));
    const seen = new Set<string>();
    for (let i = 0; i < 120; i++) seen.add(await outcome(() => loadGraphDef('mutated.pb', mutate(orig, rnd), { allowUnsupported: true })));
    assert.ok(seen.has('E_FORMAT'), [...seen].join());
  });

  it('mutated SavedModel files load or fail with a TfeError; data corruption never loads', async () => {
    const rnd = lcg(2);
    const dir = tempCopy(sharedModel('tfserving_half_plus_two_cpu', 'saved_model'), 'saved_model');
    for (const file of ['saved_model.pb', 'variables/variables.index', 'variables/variables.data-00000-of-00001']) {
      const p = join(dir, file);
      const orig = readFileSync(p);
      for (let i = 0; i < 40; i++) {
        const m = mutate(orig, rnd);
        writeFileSync(p, m);
        const r = await outcome(() => loadSavedModel(dir, {}));
        // The data shard holds 5 float32 scalars, all CRC-checked; a and b are read.
        if (file.endsWith('00001') && r === 'ok') {
          const changed = m.length < 12 || m.subarray(0, 4).some((v, k) => v !== orig[k]) || m.subarray(8, 12).some((v, k) => v !== orig[8 + k]);
          assert.ok(!changed, 'a corrupted variable was accepted');
        }
      }
      writeFileSync(p, orig);
    }
  });
});
