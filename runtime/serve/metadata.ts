/**
 * `GET /v2/models/NAME`: the model metadata a client needs to seal a request (oip.ts
 * ModelMetadata; serve-design.md section 2.3). Built from the plan alone (public) plus the
 * shareholders' signed key statements and the service's limits: input and output names and
 * shapes as OIP tensors, and under `parameters.tfe` the plan id, the bindings without their
 * tensor ids and roles (what the client encodes and decodes with), the shareholder roles in
 * order, their key statements, the row limit and the class names when the plan directory has
 * them (labels.txt, as `tfe run` reads them).
 */
import type { InputBinding, OutputBinding, Plan } from '../../src/plan/index.js';
import type { SignedKeyStatement } from '../party/served-types.js';
import type { Role } from '../transport/types.js';
import { SERVE_VERSION, type ModelMetadata, type ServedInput, type ServedOutput } from './oip.js';

/** The version string of a plan: the first 12 hex digits of its id (as a short commit id). */
export function planVersion(plan: Plan): string {
  return plan.planId.slice(0, 12);
}

function servedInput(b: InputBinding): ServedInput {
  const out: ServedInput = { name: b.name, shape: [...b.shape], dtype: b.dtype, scale: b.scale, range: [b.range[0], b.range[1]] };
  return b.preprocess === undefined ? out : { ...out, preprocess: { op: b.preprocess.op, depth: b.preprocess.depth, dtype: b.preprocess.dtype, shape: [...b.preprocess.shape] } };
}

function servedOutput(b: OutputBinding): ServedOutput {
  return { name: b.name, shape: [...b.shape], scale: b.scale, postprocess: b.postprocess, kind: b.kind };
}

export interface MetadataParts {
  readonly name: string;
  readonly plan: Plan;
  readonly holders: readonly Role[];
  readonly keys: readonly SignedKeyStatement[];
  readonly maxRows: number;
  readonly labels: readonly string[] | undefined;
  readonly allowPlaintext: boolean;
}

export function modelMetadata(m: MetadataParts): ModelMetadata {
  const { plan } = m;
  const tfe: ModelMetadata['parameters']['tfe'] = {
    version: SERVE_VERSION,
    plan_id: plan.planId,
    protocol: plan.protocol,
    max_rows: m.maxRows,
    bindings: { inputs: plan.inputs.map(servedInput), outputs: plan.outputs.map(servedOutput) },
    shareholders: [...m.holders],
    keys: m.keys.map((k) => ({ role: k.role, statement: k.statement, signature: k.signature, cert: k.cert })),
    allow_plaintext: m.allowPlaintext,
  };
  return {
    name: m.name,
    versions: [planVersion(plan)],
    platform: `tfe-${plan.protocol}`,
    inputs: plan.inputs.map((b) => ({ name: b.name, datatype: 'FP32', shape: [...b.shape] })),
    outputs: plan.outputs.map((b) => ({ name: b.name, datatype: 'FP32', shape: [...b.shape] })),
    parameters: { tfe: m.labels === undefined ? tfe : { ...tfe, labels: [...m.labels] } },
  };
}
