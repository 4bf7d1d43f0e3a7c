export * from './schema.js';
export * from './weights.js';
export { checkWeights, parsePlan, parsePlanText, parseWeightsManifest } from './load.js';
