/**
 * The public API facade: `import { ... } from 'tfe'` (the package's "." export; the
 * prediction service's client is `tfe/client`). Everything a user needs is here, and
 * nothing else is public: deep imports into dist/ are not part of the API (the package's
 * `exports` map refuses them).
 *
 * - Compile: `compile(model, options)` turns a model file (or its bytes) into a plan and
 *   its weights; `program()` builds a computation over several roles' private inputs and
 *   compiles it the same way; `writePlanDir` writes a plan, `loadPlan` reads it back, verified.
 * - Run: `runLocal(compiled, inputs)` runs one private prediction with every role a
 *   party in this process; `up(compiled, inputs)` runs the same with every role its own
 *   process over mutual TLS.
 * - Deploy: `deployInit`, `startParty` (servers and dealer), `runParty` (input and output
 *   roles): a deployment in code, one role per call, as `tfe deploy init` / `tfe party`.
 * - Errors: every error thrown is a `TfeError` with a stable `code` (`ErrorCode`), a
 *   one-line message and often a `hint`.
 */

/** Compiles a model (a .pb, SavedModel directory, .h5, .keras or tfjs model.json path, or a file's bytes) into a plan and its weights. */
export { compile, type CompileOptions, type CompileResult } from '../compiler/compile.js';
/** Writes a plan and its weights to a directory: plan.json (public), weights.bin and weights.json (the weights' owner's). */
export { writePlanDir } from '../compiler/plan/write.js';

/** Reads a plan directory and verifies the plan and the weights against it (E_IO, E_PLAN, E_POLICY on failure). */
export { loadPlan, loadPlanOnly } from '../runtime/api/load-plan.js';
/** One private prediction with every role a party in this process; resolves to every receiver's outputs. */
export { runLocal, type RunLocalOptions } from '../runtime/api/run-local.js';
/** One private prediction with every role its own child process over TCP + mutual TLS on 127.0.0.1. */
export { up, type UpOptions } from '../runtime/api/up.js';
/** A deployment in code: its config and certificates, a server or dealer role, an input or output role. */
export {
  deployInit, runParty, startParty,
  type DeployInitOptions, type RunPartyOptions, type RunningServer, type ServerRoleOptions,
} from '../runtime/api/deploy.js';
/** The API's values: compiled plans, inputs by role, outputs. */
export type { Compiled, InputsOf, InputValue, RoleInputs, RunOutput, RunOutputs } from '../runtime/api/types.js';

/** The program builder: program() with privateInput, privateVariable, constant, ops and reveal; its compile() gives a plan as compile() does for a model. */
export {
  program, Program, ProgramTensor,
  type Conv2dOptions, type MatmulOptions, type Operand, type Padding, type PoolOptions, type PrivateInputOptions,
  type ProgramCompileOptions, type ProgramValues, type ReduceOptions, type Window,
} from '../compiler/program/index.js';

/** Typed errors: every error tfe throws is a TfeError with one of these codes. */
export { isErrorCode, TfeError, type ErrorCode } from './errors.js';

/** The plan format: parsing (schema and version), the verifier every party runs, the weights check, and the types. */
export {
  checkWeights, parsePlan, parsePlanText, parseWeightsManifest, predictParticipants, verifyPlan,
  PLAN_FORMAT, PLAN_VERSION,
  type InputBinding, type OutputBinding, type Plan, type PlanCost, type PlanStep, type PlanTensor,
  type Weights, type WeightsManifest, type WeightEntry,
} from './plan/index.js';

/** The prediction service's client types (the client itself is `import { connect } from 'tfe/client'`). */
export type { ClientInput, ClientOptions, DecodedOutput, NodeClientOptions, ServedPrediction } from '../runtime/serve/client/index.js';
