export * from './schema.js';
export * from './weights.js';
export { checkWeights, parsePlan, parsePlanText, parseWeightsManifest } from './load.js';
export { DEFAULT_PLAN_LIMITS, verifyPlan, shapeAtBatch, type PlanLimits } from './verify.js';
export { planRoles, roleKind } from './roles.js';
export { declaredCost, maxFramePayload } from './cost.js';
export { checkPublicWeightsConsent } from './consent.js';
export { planDigest } from './digest.js';
export { weightsDigest } from './digest.js';
