/**
 * The README's "Programmatic API" section is true: each of its ```js examples runs, as a
 * user's script importing `tfe` by its package name (a project outside the repository
 * with node_modules/tfe linked to it, run from the repository root so the examples'
 * relative model paths resolve), and prints what the text says: net A's prediction of
 * the held-out sample is its label; the program's y, in process and as processes, is the
 * hand computation relu([1 2 3 4 5 6] W) = [3, 4.75] revealed to the analyst; the
 * deployment in code reveals net A's output to the client, whose top class is the
 * sample's label; a shape error names the op and both shapes. And every function the
 * section's table names is exported.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tfe from '../../src/index.js';
import { REPO_ROOT } from '../support/paths.js';

let app: string;
let section: string;
let examples: string[];

before(() => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const from = readme.indexOf('## Programmatic API\n');
  assert.ok(from >= 0, 'the README has a Programmatic API section');
  const to = readme.indexOf('\n## ', from + 1);
  section = readme.slice(from, to < 0 ? undefined : to);
  examples = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  app = mkdtempSync(join(tmpdir(), 'tfe-readme-app-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(REPO_ROOT, join(app, 'node_modules', 'tfe'), 'dir');
});
after(() => rmSync(app, { recursive: true, force: true }));

/** Runs example `i` as app/example-i.mjs from the repository root; its last stdout line as JSON. */
function run(i: number): Promise<Record<string, unknown>> {
  const file = join(app, `example-${i}.mjs`);
  writeFileSync(file, examples[i]);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file], { cwd: REPO_ROOT, timeout: 240_000 }, (e, out, err) => {
      if (e) reject(new Error(`README example ${i + 1} failed: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>);
    });
  });
}

test('the README has the three API examples, and the table names only exported functions', () => {
  assert.equal(examples.length, 4);
  for (const m of section.matchAll(/^\| `([A-Za-z]+)\(/gm)) assert.equal(typeof (tfe as Record<string, unknown>)[m[1]], 'function', `tfe exports ${m[1]}`);
  for (const name of ['loadPlan', 'loadPlanOnly', 'verifyPlan', 'parsePlan', 'checkWeights', 'predictParticipants', 'isErrorCode']) {
    assert.ok(section.includes(name), name);
    assert.equal(typeof (tfe as Record<string, unknown>)[name], 'function', name);
  }
});

test('README example 1: compile and runLocal predict the sample\'s label', async () => {
  const o = await run(0);
  assert.equal(o.predicted, o.label);
});

test('README example 2: the program\'s y, by runLocal and by up(), is relu([a b] W) revealed to the analyst', async () => {
  const o = (await run(1)) as { local: number[]; up: number[]; receiver: string };
  assert.equal(o.receiver, 'analyst');
  // column 0 = 0.5 + 0.5 - 1.5 + 4 - 1.25 + 0.75 = 3; column 1 = -1 + 1.5 + 3 + 2 - 3.75 + 3 = 4.75
  // (exact in binary at f = 16; one truncation: ±2^-16)
  for (const y of [o.local, o.up]) [3, 4.75].forEach((v, i) => assert.ok(Math.abs(y[i] - v) <= 1e-4, `${y[i]} vs ${v}`));
});

test('README example 3: a deployment in code reveals net A\'s output to the client, who gets the sample\'s label', async () => {
  const label = (JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'zoo', 'A', 'sample.json'), 'utf8')) as { label: number }).label;
  assert.deepEqual(await run(2), { outputs: ['dense3/Softmax'], receiver: 'client', predicted: label });
});

test('README example 4: a shape error at the call names the op and both shapes', async () => {
  const o = (await run(3)) as { code: string; message: string };
  assert.equal(o.code, 'E_SHAPE');
  assert.match(o.message, /^matmul\(.*\[1,6\].*\[5,2\].*inner dimensions differ/);
});
