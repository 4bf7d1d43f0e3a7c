/**
 * weights.bin and its manifest weights.json: the model owner's private, fixed-point
 * encoded tensors. weights.bin is the concatenation of every entry's ring elements
 * as little-endian 64-bit words; the manifest gives each entry's name, shape, scale
 * and element offset, and the planId it belongs to. Neither file is public.
 */
import { z } from 'zod';

export const WEIGHTS_FORMAT = 'tfe-weights';
export const WEIGHTS_VERSION = 2;

export const WeightEntrySchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  scale: z.number().int().min(0).max(62),
  /** Offset in 64-bit words from the start of weights.bin. */
  offset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
  /**
   * Whether the entry is one of the model's parameters (its trained weights) rather than
   * a compiler constant (a piecewise table). The model owner's own record: a plan that
   * sends a parameter to the servers in the clear needs the owner's consent
   * (--public-weights, consent.ts). Absent in older manifests: treated as a parameter.
   */
  parameter: z.boolean().optional(),
});
/** One weight tensor in weights.bin: its name, shape, scale and place (offset and length in 64-bit words). */
export type WeightEntry = z.infer<typeof WeightEntrySchema>;

export const WeightsManifestSchema = z.object({
  format: z.literal(WEIGHTS_FORMAT),
  version: z.number().int(),
  planId: z.string().min(8),
  /**
   * Absolute path of the compiled model file or directory (private, like the weights):
   * where `tfe run --check` and `tfe eval` open the plaintext reference from, whatever
   * the working directory. Absent when the model was compiled from memory.
   */
  modelPath: z.string().optional(),
  entries: z.array(WeightEntrySchema),
});
/** weights.json: the plan id the weights belong to and the entries of weights.bin. */
export type WeightsManifest = z.infer<typeof WeightsManifestSchema>;

/** Weights in memory: the manifest and the words it indexes. */
export interface Weights {
  readonly manifest: WeightsManifest;
  readonly data: BigUint64Array;
}
