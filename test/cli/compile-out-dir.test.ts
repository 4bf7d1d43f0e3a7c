/**
 * An unwritable `tfe compile -o DIR` fails at once with E_IO naming the directory: the
 * model path given is missing, so an error about the model would mean the load ran first.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkOutDir } from '../../compiler/plan/out-dir.js';
import { main } from '../../src/cli.js';
import { TfeError } from '../../src/errors.js';

async function tfe(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

test('-o under a file, or naming a file: E_IO before the model is read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-outdir-'));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const missingModel = join(dir, 'no-such-model.pb');
  for (const out of [join(file, 'plan'), file]) {
    const r = await tfe('compile', missingModel, '-o', out);
    assert.equal(r.code, 2);
    assert.match(r.err, new RegExp(`^error: -o ${out.replace(/[/\\.]/g, '\\$&')}: cannot write the plan there \\(.*is a file, not a directory\\) \\[E_IO\\]`));
    assert.match(r.err, /^hint: give -o a directory you can write/m);
    assert.doesNotMatch(r.err, /no-such-model/);
  }
  // A missing directory below a writable one is fine (writePlanDir creates it), so the model error comes next.
  const r = await tfe('compile', missingModel, '-o', join(dir, 'new', 'deeper'));
  assert.equal(r.code, 2);
  assert.match(r.err, /no-such-model/);
});

test('a read-only directory is refused (skipped as root, who may write anywhere)', { skip: process.getuid?.() === 0 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-outdir-'));
  const ro = join(dir, 'ro');
  mkdirSync(ro);
  chmodSync(ro, 0o555);
  assert.throws(() => checkOutDir(join(ro, 'out')), (e: unknown) => e instanceof TfeError && e.code === 'E_IO' && /is not writable/.test(e.message));
  checkOutDir(dir);
});
