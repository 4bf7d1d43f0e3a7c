/**
 * The client-side preprocessing an input binding names (src/plan/schema.ts), applied by
 * the provider before it encodes and shares its input: the user's values stay on the
 * provider's machine. `one_hot`: each id k (an integer in [0, depth)) of the user's
 * tensor becomes a row with a 1 at k and 0 elsewhere, so [N, L] ids give [N, L, depth].
 * An id that is not an integer, or outside [0, depth), is E_RANGE naming the input, the
 * position and the id (a wrong id must not silently select nothing).
 */
import { TfeError } from '../../src/errors.js';

/** A float tensor (the executor's FloatTensor; declared here so the executor can import this file without a cycle). */
export interface FloatTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** What preprocessing needs of an input binding (the plan's InputBinding, or the served metadata's ServedInput). */
export interface PreprocessBinding {
  readonly name: string;
  readonly shape: readonly number[];
  readonly preprocess?: { readonly op: 'one_hot'; readonly depth: number; readonly dtype: 'int32' | 'int64'; readonly shape: readonly number[] } | undefined;
}

/** The user-facing shape of a binding's input (before preprocessing). */
export function userShape(b: PreprocessBinding): readonly number[] {
  return b.preprocess?.shape ?? b.shape;
}

/** `x` as the binding's provider shares it: preprocessed when the binding says so, else as is. */
export function preprocessInput(b: PreprocessBinding, x: FloatTensor): FloatTensor {
  const p = b.preprocess;
  if (p === undefined) return x;
  const want = p.shape;
  if (x.shape.length !== want.length || !want.every((d, i) => d === -1 || d === x.shape[i])) {
    throw new TfeError('E_SHAPE', `input '${b.name}' has shape [${x.shape.join(',')}] but the model expects ${p.dtype} ids of shape [${want.map((d) => (d === -1 ? 'N' : d)).join(',')}]`);
  }
  const out = new Float64Array(x.data.length * p.depth);
  for (let i = 0; i < x.data.length; i++) {
    const id = x.data[i];
    if (!Number.isInteger(id) || id < 0 || id >= p.depth) {
      throw new TfeError('E_RANGE', `input '${b.name}'[${i}] = ${id} is not an id in [0, ${p.depth}) (the embedding table has ${p.depth} rows)`,
        `give ${p.dtype} ids between 0 and ${p.depth - 1}`);
    }
    out[i * p.depth + id] = 1;
  }
  return { shape: [...x.shape, p.depth], data: out };
}
