/**
 * A child role's failure reaches the user once, with the child's own code, message
 * (prefixed by its role) and hint, not wrapped in a transport error of the parent
 * (issue 11: "errors reported twice with the wrong origin"); also through `tfe up` on a
 * securenn plan (five children, server2 among them).
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { childError, type PartyChild } from '../../runtime/deploy/children.js';
import { TfeError } from '../../src/errors.js';
import { REPO_ROOT } from '../support/paths.js';

function child(stderr: string): PartyChild {
  return { role: 'client', proc: {} as ChildProcess, stdout: '', stderr, exited: Promise.resolve(2) };
}

test('the child error keeps its code, message and hint', () => {
  const e = childError(child("[client] connected\nerror: x.json: input of shape [1,2] does not fit the model's input 'in' [E_SHAPE]\nhint: give an array of shape [N,4]\n"), 'client', 2);
  assert.ok(e instanceof TfeError);
  assert.equal(e.code, 'E_SHAPE');
  assert.equal(e.message, "client: x.json: input of shape [1,2] does not fit the model's input 'in'");
  assert.equal(e.hint, 'give an array of shape [N,4]');
});

test('the last error line wins; an unknown code or no error line is a transport error naming the role and exit', () => {
  assert.equal(childError(child('error: first [E_ARG]\nerror: second [E_POLICY]\n'), 'model-owner', 2).code, 'E_POLICY');
  const odd = childError(child('error: something [E_NOT_A_CODE]\n'), 'client', 3);
  assert.equal(odd.code, 'E_TRANSPORT');
  assert.match(odd.message, /^client exited with code 3: error: something/);
  const crash = childError(child('Segmentation fault\n'), 'server0', 139);
  assert.equal(crash.code, 'E_TRANSPORT');
  assert.match(crash.message, /server0 exited with code 139: Segmentation fault/);
});

test('tfe up on a securenn plan: the client\'s error reaches the user once, with its code, message and hint', async () => {
  const cli = join(REPO_ROOT, 'dist', 'src', 'cli.js');
  const root = mkdtempSync(join(tmpdir(), 'tfe-sn-child-error-'));
  try {
    const c = spawnSync(process.execPath, [cli, 'compile', join(REPO_ROOT, 'models', 'zoo', 'A', 'model.json'), '-o', join(root, 'plan'), '--input-range', '0:1', '--protocol', 'securenn'], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    writeFileSync(join(root, 'bad.json'), '[[1, 2]]');
    const r = spawnSync(process.execPath, [cli, 'up', join(root, 'plan'), '--input', join(root, 'bad.json')], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.match(/^error: /gm)?.length, 1, r.stderr);
    assert.match(r.stderr, /^error: client: .*bad\.json: input of shape \[1,2\] does not fit the model's input 'flatten_input' of shape \[N,28,28,1\] \[E_SHAPE\]\nhint: give an array of shape \[N,28,28,1\]/m);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
