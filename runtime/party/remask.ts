/**
 * Re-masking the weights after the material role (Pond's dealer, securenn's helper
 * server2) restarted. At setup the material role draws a uniform mask B per weight
 * tensor and keeps it for the life of its process (pond/material.ts weightMask); the
 * servers open F = W - B once and every later product under that weight uses B again.
 * A restarted material process has no B, so it could make no prediction material (the
 * leader would wait for a bundle that never comes). Its seeds say so (`masks: false`,
 * runtime/transport/control.ts), and before the next prediction the servers run the
 * setup's material steps again (mask_s: a fresh B', F' = W - B' opened) on the weight
 * shares they already hold, with one setup bundle of the new process. The model owner
 * is not needed; nothing new is revealed (F' is W under a fresh uniform mask, used for
 * W only, as F was). Cost: the setup's mask_s steps, one round and |W| elements sent by
 * each server per weight tensor (zoo net A: 3 rounds, 0.9 MiB per server), once per
 * restart of the material role. A prediction while the material role is down is
 * refused by the leader, naming it (`server2 did not connect within N s`).
 */
import type { Plan, PlanStep } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { materialRole } from '../../src/protocols/spec.js';
import { takesPart } from './steps.js';

/** Whether the material role takes part in setup step `s` (the steps a re-mask runs). */
export function materialSetupStep(plan: Plan): (s: PlanStep) => boolean {
  const p = protocolSpec(plan.protocol);
  const maker = materialRole(p);
  return (s) => maker !== undefined && takesPart(p, s, maker, 'dealer');
}

/** Whether a restarted material role means re-masking: the setup has steps that consume its material. */
export function remaskable(plan: Plan): boolean {
  return plan.setupSteps.some(materialSetupStep(plan));
}
