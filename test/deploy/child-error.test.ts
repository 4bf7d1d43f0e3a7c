/**
 * A child role's failure reaches the user once, with the child's own code, message
 * (prefixed by its role) and hint, not wrapped in a transport error of the parent
 * (issue 11: "errors reported twice with the wrong origin").
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { childError, type PartyChild } from '../../runtime/deploy/children.js';
import { TfeError } from '../../src/errors.js';

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
