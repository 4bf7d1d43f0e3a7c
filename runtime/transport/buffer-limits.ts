/**
 * The receive-buffer caps of a party's router, derived from its plan. A frame waits in
 * an inbox (one session or bundle, one peer) until the party's protocol takes it; what
 * a peer can legitimately have buffered there is at most what it sends in one session
 * (a data inbox: the peer's own declared bytes; a material inbox: the dealer's declared
 * material), and the plan declares that exactly (src/plan/cost.ts; measured = declared
 * in test/protocols/cost.test.ts). So, with S the most any party (or the dealer's
 * material) declares for one session, a prediction at the largest batch a party
 * accepts or the setup:
 *
 *  - per inbox: 2 S + 64 MiB (twice what a genuine peer can ever have outstanding);
 *  - per peer, for sessions and bundles not started yet (the dealer makes bundles ahead
 *    of time into a pool of at most 512 MiB plus the bundle it is making, and a bundle
 *    demanded for a session also waits there until the session starts): 2 x the inbox
 *    cap + 512 MiB.
 *
 * Network C at batch 1024: S = 2.27 GiB (each server's bytes), so 4.6 GiB per inbox;
 * network A: S = 47 MiB, so 158 MiB. A flooding peer is cut off at these caps (an
 * E_TRANSPORT naming it and the cap) instead of exhausting the party's memory.
 */
import { declaredCost, type Plan } from '../../src/plan/index.js';

const SLACK_BYTES = 64 * 2 ** 20;
/** The dealer's default pool of ready bundles (runtime/party/dealer.ts). */
const DEALER_POOL_BYTES = 512 * 2 ** 20;

/** The most any party sends (or the dealer's material) in one session of `plan` at batch `maxBatch` (setup at batch 1). */
export function sessionBytes(plan: Plan, maxBatch: number): number {
  let most = 0;
  for (const [steps, batch] of [[plan.steps, maxBatch], [plan.setupSteps, 1]] as const) {
    const c = declaredCost(plan, steps, batch);
    most = Math.max(most, c.dealerBytes, ...Object.values(c.bytes));
  }
  return most;
}

/** The router caps (RouterOptions) for a party of `plan` that accepts batches up to `maxBatch`. */
export function bufferLimits(plan: Plan, maxBatch: number): { maxBufferedBytes: number; maxUnclaimedBytes: number } {
  const perInbox = 2 * sessionBytes(plan, maxBatch) + SLACK_BYTES;
  return { maxBufferedBytes: perInbox, maxUnclaimedBytes: 2 * perInbox + DEALER_POOL_BYTES };
}
