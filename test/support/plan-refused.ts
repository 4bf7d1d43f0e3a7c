/** Helpers of the plan-policy tests: tamper with a copy of a plan and expect the verifier to refuse it. */
import assert from 'node:assert/strict';
import { TfeError } from '../../src/errors.js';
import { parsePlan, planDigest, verifyPlan, type Plan } from '../../src/plan/index.js';

export type Mutate = (p: Plan) => Plan;

/** A deep copy of `p` to tamper with. */
export function clone(p: Plan): Plan {
  return JSON.parse(JSON.stringify(p)) as Plan;
}

/** Verifies `p` after giving it the id of its (tampered) content, as a careful attacker would: refused with `code` and a message matching `re`. */
export function refused(p: Plan, code: string, re: RegExp): void {
  const q = { ...p, planId: planDigest(p) };
  assert.throws(() => verifyPlan(parsePlan(q)), (e: unknown) => {
    assert.ok(e instanceof TfeError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  });
}
