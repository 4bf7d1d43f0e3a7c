/**
 * The declared-cost caps of the plan verifier: a plan whose declared bytes (src/plan/
 * cost.ts, the kernels' cost formulas at the plan's shapes) for one prediction at the
 * largest batch a party accepts, or for the setup, exceed a cap for any party (each
 * role's sent bytes, and the dealer's material) is refused before a party allocates
 * anything for it: a hostile plan cannot make a party buffer or send gigabytes. Each
 * party's buffers follow the declared bytes (test/protocols/cost.test.ts checks that
 * measured = declared), so these caps bound the memory a session can legitimately need.
 */
import { TfeError } from '../errors.js';
import { declaredCost } from './cost.js';
import type { Plan } from './schema.js';

export interface CostLimits {
  /** The largest batch of one session a party accepts. */
  readonly maxBatch: number;
  /** Bytes any one party sends (or the dealer's material) in one prediction at `maxBatch`. */
  readonly maxPredictionBytes: number;
  /** Bytes any one party sends (or the dealer's material) in the setup. */
  readonly maxSetupBytes: number;
}

function gib(n: number): string {
  return `${(n / 2 ** 30).toFixed(2)} GiB`;
}

/** Throws E_PLAN naming the list, the party, the cap, the value and the limit when a declared cost is over its cap. */
export function checkCostLimits(plan: Plan, limits: CostLimits): void {
  const lists = [
    { what: `one prediction at batch ${limits.maxBatch}`, cap: 'maxPredictionBytes', limit: limits.maxPredictionBytes, steps: plan.steps, batch: limits.maxBatch },
    { what: 'the setup', cap: 'maxSetupBytes', limit: limits.maxSetupBytes, steps: plan.setupSteps, batch: 1 },
  ];
  for (const l of lists) {
    const c = declaredCost(plan, l.steps, l.batch);
    const parties: [string, number][] = [...Object.entries(c.bytes), ['the dealer (material)', c.dealerBytes]];
    for (const [who, bytes] of parties) {
      if (bytes > l.limit) {
        throw new TfeError('E_PLAN', `plan declares ${bytes} bytes (${gib(bytes)}) sent by ${who} in ${l.what}, over the limit ${l.cap} of ${l.limit} (${gib(l.limit)})`,
          'this plan is larger than a party accepts; if it is genuine, use smaller batches, split the model or raise the limit');
      }
    }
  }
}
