/**
 * `loadPlan(dir)` through the facade: a plan written by `writePlanDir` reads back equal
 * (plan and weights) and predicts as the compiled object does; an edited plan.json (its
 * id no longer its content's hash), a weights.bin with one bit flipped, weights.json of
 * another layout, and a missing directory are each refused with their code, naming the
 * file or what differs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadPlan, parsePlanText, runLocal, TfeError, verifyPlan, writePlanDir, type CompileResult } from '../../src/index.js';
import { assertNetA, netA, referenceA, sampleA } from './fixture.js';

let c: CompileResult;
let root: string;
let dir: string;

before(async () => {
  c = await netA();
  root = mkdtempSync(join(tmpdir(), 'tfe-api-load-'));
  dir = join(root, 'A');
  writePlanDir(dir, c.plan, c.weights);
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the plan directory with `edit` applied to it. */
function tampered(label: string, edit: (d: string) => void): string {
  const d = join(root, label);
  cpSync(dir, d, { recursive: true });
  edit(d);
  return d;
}

function refused(d: string, code: string, re: RegExp): void {
  assert.throws(() => loadPlan(d), (e: unknown) => e instanceof TfeError && e.code === code && re.test(e.message) ? true : assert.fail(`${String(e)} (${(e as TfeError).code})`));
}

test('a written plan directory loads back equal and predicts as the compiled object does', async () => {
  const l = loadPlan(dir);
  assert.deepEqual(l.plan, c.plan);
  assert.deepEqual(l.weights.manifest, c.weights.manifest);
  assert.deepEqual(Array.from(l.weights.data), Array.from(c.weights.data));
  verifyPlan(l.plan);
  assertNetA(await runLocal(l, { client: { [l.plan.inputs[0].name]: sampleA() } }), await referenceA(), 'loaded plan');
});

test('an edited plan.json is refused: its id is no longer the hash of its content', () => {
  const d = tampered('plan-edit', (p) => {
    const f = join(p, 'plan.json');
    const plan = JSON.parse(readFileSync(f, 'utf8')) as { inputs: { range: number[] }[] };
    plan.inputs[0].range = [0, 100];
    writeFileSync(f, JSON.stringify(plan));
  });
  // the schema still holds: the verifier is what refuses it
  parsePlanText(readFileSync(join(d, 'plan.json'), 'utf8'));
  refused(d, 'E_POLICY', /edited after it was compiled/);
});

test('a weights.bin with one bit flipped, or a weights.json of another layout, is refused', () => {
  refused(tampered('bin-flip', (p) => {
    const f = join(p, 'weights.bin');
    const b = readFileSync(f);
    b[100] ^= 1;
    writeFileSync(f, b);
  }), 'E_PLAN', /weights\.bin has SHA-256 [0-9a-f]+, but the plan was compiled with weights/);
  refused(tampered('manifest', (p) => {
    const f = join(p, 'weights.json');
    const m = JSON.parse(readFileSync(f, 'utf8')) as { entries: { offset: number }[] };
    m.entries[1].offset += 1;
    writeFileSync(f, JSON.stringify(m));
  }), 'E_PLAN', /weights\.json: entry 1/);
  refused(tampered('truncated', (p) => {
    const f = join(p, 'weights.bin');
    writeFileSync(f, readFileSync(f).subarray(0, 800));
  }), 'E_PLAN', /weights/);
});

test('a missing directory or file is E_IO naming it', () => {
  refused(join(root, 'nothing'), 'E_IO', /cannot read the plan .*nothing\/plan\.json: no such file/);
  refused(tampered('no-bin', (p) => rmSync(join(p, 'weights.bin'))), 'E_IO', /weights\.bin: no such file/);
});
