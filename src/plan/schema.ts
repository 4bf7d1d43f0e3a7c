/**
 * The plan: the public hand-off from the compiler to the runtime, as zod schemas and
 * the TypeScript types inferred from them. A plan names every tensor (shape, scale,
 * visibility, owner), every step (a protocol kernel with its operands, attributes,
 * the IR node it came from and its declared cost), the input and output bindings and
 * the totals. It holds no weight values: the model owner's encoded weights go to
 * `weights.bin` with the manifest `weights.json` (weights.ts), bound to the plan by
 * `planId`.
 *
 * What a plan reveals: the architecture (ops, shapes, the order of steps), the
 * fixed-point scales and the protocol costs. Not the weights, not the inputs, not
 * any intermediate value: the only revealing steps are the `reveal` kernels, and each
 * names its receiver.
 */
import { z } from 'zod';
import { PROTOCOLS } from '../protocols/registry.js';

/** The `format` field of every plan.json. */
export const PLAN_FORMAT = 'tfe-plan';
/** Bumped on any change a reader of an older version could misread. */
export const PLAN_VERSION = 2;

/** A role name: the protocol's compute and dealer roles, or a free input / output role name. */
export const RoleSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'a role name: a lowercase letter, then up to 63 of a-z, 0-9, - and _');
export type PlanRole = z.infer<typeof RoleSchema>;

export const RoleDeclSchema = z.object({ name: RoleSchema, kind: z.enum(['compute', 'dealer', 'input', 'output']) });

const Dim = z.number().int().min(-1);
const Shape = z.array(Dim);
const Id = z.string().min(1);

/** Bytes each party sends, by role. */
const Bytes = z.record(RoleSchema, z.number().int().nonnegative());

export const CostSchema = z.object({
  rounds: z.number().int().nonnegative(),
  bytes: Bytes,
  dealerBytes: z.number().int().nonnegative(),
});
/** Declared rounds and bytes (per role, and the dealer's material) of a step or of the whole plan. */
export type PlanCost = z.infer<typeof CostSchema>;

export const TensorSchema = z.object({
  id: Id,
  /** -1 marks the batch dimension, fixed when the plan is run. */
  shape: Shape,
  /** Fractional bits of the fixed-point encoding (0 for integers such as labels). */
  scale: z.number().int().min(0).max(62),
  /**
   * secret: additively shared between the servers; public: known to the servers in the
   * clear (structural constants, and weights under --public-weights); private: known in
   * the clear only to `owner` (the client's input before `share`, a revealed output, the
   * model owner's weights before `share`).
   */
  visibility: z.enum(['secret', 'public', 'private']),
  /** Who holds a private value, or provides a public one (weights); absent for computed tensors. */
  owner: RoleSchema.optional(),
  /** For documentation and errors: the model tensor it holds. */
  name: z.string().optional(),
});
/** A tensor of the plan's table: id, shape, fixed-point scale, and who may see it. */
export type PlanTensor = z.infer<typeof TensorSchema>;

const AttrValue = z.union([z.number(), z.string(), z.boolean(), z.array(z.number()), z.array(z.array(z.number()))]);

export const StepSchema = z.object({
  /** Registered kernel name of the plan's protocol (e.g. matmul_ss, trunc_s, reveal). */
  kernel: z.string().min(1),
  inputs: z.array(Id),
  outputs: z.array(Id).min(1),
  attrs: z.record(z.string(), AttrValue),
  /** The IR node this step implements (for --explain and runtime errors). */
  source: z.string(),
  /** True for steps that reveal a value (reveal kernels); checked against the kernel registry. */
  reveals: z.boolean(),
  /** Declared cost at batch 1 (a -1 batch dimension counted as 1), masked weights already open. */
  cost: CostSchema,
  /** Approximation used, with its stated domain and maximum error, if any. */
  approximation: z.string().optional(),
});
/** One step of the plan: a protocol kernel with its input and output tensors and attributes. */
export type PlanStep = z.infer<typeof StepSchema>;

export const InputBindingSchema = z.object({
  /** The model's input name (a placeholder or cut tensor such as `x:0`). */
  name: z.string(),
  /** The private tensor the provider fills with its encoded input (a share step consumes it). */
  tensor: Id,
  shape: Shape,
  dtype: z.literal('float32'),
  provider: RoleSchema,
  /** Fixed-point fractional bits the provider encodes with. */
  scale: z.number().int().min(0).max(62),
  /** Declared input range used by the compiler's headroom check. */
  range: z.tuple([z.number(), z.number()]),
  /**
   * What the provider computes from the user's input before encoding it, in the clear
   * on its own machine (the user's values never leave it unencoded). `one_hot`: the user
   * gives integer ids of `dtype` and `shape` (e.g. [-1, 4]); each id k in [0, depth)
   * becomes a one-hot row, so the shared tensor has `shape` + [depth] (the binding's
   * shape). An embedding lookup at client-held ids is then a secure matmul.
   */
  preprocess: z.object({
    op: z.literal('one_hot'),
    depth: z.number().int().min(1),
    dtype: z.enum(['int32', 'int64']),
    shape: Shape,
  }).optional(),
});
/** An input of the plan: its name, shape (-1: the free batch dimension), scale, declared range and the role that provides it. */
export type InputBinding = z.infer<typeof InputBindingSchema>;

export const OutputBindingSchema = z.object({
  name: z.string(),
  /** The private tensor a reveal step produces for the receiver. */
  tensor: Id,
  shape: Shape,
  receiver: RoleSchema,
  /** Fractional bits to decode with (0: an integer, such as a label). */
  scale: z.number().int().min(0).max(62),
  /** What the receiver applies after decoding (softmax of logits, or nothing). */
  postprocess: z.enum(['none', 'softmax']),
  /**
   * What the values are: 'probabilities' when the model ends with a softmax (computed by
   * the client after the reveal: postprocess 'softmax'), 'logits' for class scores
   * before a softmax, 'label' for an ArgMax (--output label, or a model ending in
   * ArgMax), 'values' for anything else (regression outputs, features).
   */
  kind: z.enum(['values', 'logits', 'probabilities', 'label']),
});
/** An output of the plan: its name, shape, scale, kind and the role it is revealed to. */
export type OutputBinding = z.infer<typeof OutputBindingSchema>;

/** A tensor filled from weights.bin: private to the model owner (shared by a setup step), or public. */
export const WeightBindingSchema = z.object({
  tensor: Id,
  /** Entry name in weights.json. */
  entry: z.string(),
  owner: RoleSchema,
});

export const PlanSchema = z.object({
  format: z.literal(PLAN_FORMAT),
  version: z.number().int(),
  /** The SHA-256 of the plan's canonical form without this field (src/plan/digest.ts); weights.bin is bound to it. */
  planId: z.string().min(8),
  /** The SHA-256 of weights.bin: the model owner refuses weights that are not the ones compiled with this plan. */
  weightsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** A protocol of the registry (src/protocols/registry.ts). */
  protocol: z.string().refine((p) => PROTOCOLS.has(p), { message: `not a known protocol (known: ${[...PROTOCOLS.keys()].join(', ')})` }),
  ringBits: z.literal(64),
  fracBits: z.number().int().min(1).max(30),
  /**
   * Every role of the plan with its kind: the protocol's compute and dealer roles,
   * then the input roles (providers of private tensors) and output-only roles.
   */
  roles: z.array(RoleDeclSchema).min(3),
  /**
   * The compiled model, without any path (a path would tell where the model owner keeps
   * it, and would break when the plan is used from another directory): its base name,
   * its SHA-256 (of the file, or for a directory model such as a SavedModel of the
   * canonical listing in model-digest.ts; absent when compiled from an in-memory graph)
   * and its format. The model owner's weights.json holds the absolute path.
   */
  model: z.object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(), format: z.string() }),
  tensors: z.array(TensorSchema),
  weights: z.array(WeightBindingSchema),
  inputs: z.array(InputBindingSchema).min(1),
  outputs: z.array(OutputBindingSchema).min(1),
  /** Run once per deployment: the model owner secret-shares its weights (share steps). */
  setupSteps: z.array(StepSchema),
  /**
   * Run per prediction, in order: the client shares its inputs (share steps), the
   * computation, and the reveal steps that open the outputs to their receivers.
   */
  steps: z.array(StepSchema),
  /**
   * Totals at batch 1: per prediction (steps), and the setup (setupSteps: the model
   * owner shares and publishes its weights, the servers open the weights' masks),
   * once per deployment.
   */
  cost: z.object({ perPrediction: CostSchema, setup: CostSchema }),
  /** Compiler options that produced the plan, for reproducibility. */
  options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])),
});
/** A secure execution plan (plan.json): public, holds no weights; its id is the SHA-256 of its content. */
export type Plan = z.infer<typeof PlanSchema>;
