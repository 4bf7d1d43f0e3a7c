/**
 * The public API facade (the only module users import): `compile(model, options)`
 * returns a plan and its weights (and writes them with `outDir`), plus the plan
 * format's types and readers. Kept small: everything else is internal.
 */
export { compile, type CompileOptions, type CompileResult } from '../compiler/compile.js';
export { writePlanDir } from '../compiler/plan/write.js';
export { TfeError, type ErrorCode } from './errors.js';
export {
  checkWeights, parsePlan, parsePlanText, parseWeightsManifest,
  PLAN_FORMAT, PLAN_VERSION,
  type InputBinding, type OutputBinding, type Plan, type PlanCost, type PlanStep, type PlanTensor,
  type Weights, type WeightsManifest, type WeightEntry,
} from './plan/index.js';
