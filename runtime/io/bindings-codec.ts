/**
 * Fixed-point encoding of a prediction's inputs and decoding of its outputs by their
 * bindings, without the plan, the ring or any node: module, so that `tfe run`'s
 * simulation (party/prediction-io.ts), the Node client and the browser client
 * (serve/client/core.ts) apply one set of rules:
 *
 * - inputs: every binding given, no unknown name; the shape matched exactly after the
 *   binding's preprocessing (one_hot), never reshaped; an empty input E_ARG, a NaN or
 *   infinite value E_RANGE; every value inside the range the compiler proved headroom for
 *   (outside it the ring could overflow and give a wrong answer: E_RANGE), then encoded
 *   as round(x · 2^scale) in Z_2^64 (src/fixed);
 * - outputs: a label is the signed integer of its word; anything else decodes at its
 *   scale; postprocess 'softmax' adds the row-wise softmax as `probabilities`.
 */
import { TfeError } from '../../src/errors.js';
import { decode, encode } from '../../src/fixed/index.js';
import { checkInputValues } from './fit-shape.js';
import { preprocessInput, userShape, type FloatTensor, type PreprocessBinding } from './preprocess.js';

/** What encoding needs of an input binding (the plan's InputBinding, or the served metadata's). */
export interface EncodableBinding extends PreprocessBinding {
  readonly scale: number;
  readonly range: readonly [number, number];
}

/** What decoding needs of an output binding. */
export interface DecodableBinding {
  readonly name: string;
  readonly scale: number;
  readonly postprocess: 'none' | 'softmax';
  readonly kind: 'values' | 'logits' | 'probabilities' | 'label';
}

/** A decoded output (party/prediction-io.ts OutputValue has this shape). */
export interface DecodedOutput extends FloatTensor {
  readonly kind: DecodableBinding['kind'];
  /** softmax(values) per row when the binding's postprocess asks for it. */
  readonly probabilities?: Float64Array;
}

export interface EncodedInput {
  readonly name: string;
  /** The shape as shared (after preprocessing): the binding's shape with its free dimension filled. */
  readonly shape: readonly number[];
  /** The fixed-point words, row-major. */
  readonly words: BigUint64Array;
}

/** A shape as errors print it, the free (batch) dimension as N. */
export const showShape = (s: readonly number[]): string => `[${s.map((d) => (d === -1 ? 'N' : d)).join(',')}]`;

function matchShape(want: readonly number[], got: readonly number[]): boolean {
  return want.length === got.length && want.every((d, i) => d === -1 || d === got[i]);
}

/**
 * Encodes `inputs` for `bindings`, in binding order; `batch` is the size of the bindings'
 * free dimension (1 when none is free). Errors name the input and, for values, the position.
 */
export function encodeBindings(bindings: readonly EncodableBinding[], inputs: Readonly<Record<string, FloatTensor>>): { encoded: EncodedInput[]; batch: number } {
  const encoded: EncodedInput[] = [];
  let batch = 1;
  for (const b of bindings) {
    const given = inputs[b.name];
    if (!given) throw new TfeError('E_ARG', `missing input '${b.name}' (expected shape [${userShape(b).join(',')}])`, `inputs: ${bindings.map((i) => i.name).join(', ')}`);
    const size = given.shape.reduce((s, d) => s * d, 1);
    if (given.data.length !== size) throw new TfeError('E_SHAPE', `input '${b.name}' has ${given.data.length} values for shape [${given.shape.join(',')}]`);
    // an empty batch or a NaN / infinite value is refused before anything else reads it
    checkInputValues(b.name, given);
    // client-side preprocessing (the one-hot rows of embedding ids) before encoding
    const x = preprocessInput(b, given);
    if (!matchShape(b.shape, x.shape)) throw new TfeError('E_SHAPE', `input '${b.name}' has shape [${x.shape.join(',')}] but the model expects ${showShape(b.shape)}`);
    if (x.data.length !== x.shape.reduce((s, d) => s * d, 1)) throw new TfeError('E_SHAPE', `input '${b.name}' has ${x.data.length} values for shape [${x.shape.join(',')}]`);
    const free = b.shape.indexOf(-1);
    if (free >= 0) batch = x.shape[free];
    // the compiler proved headroom for inputs inside the declared range only: outside
    // it a value could overflow the ring and give a wrong answer, so refuse it
    const [lo, hi] = b.range;
    for (let i = 0; i < x.data.length; i++) {
      const v = x.data[i];
      if (!(v >= lo && v <= hi)) {
        throw new TfeError('E_RANGE', `input '${b.name}'[${i}] = ${v} is outside the range [${lo}, ${hi}] the model was compiled for`,
          'recompile with a wider --input-range (or --calibrate on representative inputs), or rescale the input');
      }
    }
    encoded.push({ name: b.name, shape: [...x.shape], words: encode(x.data, b.scale, `input '${b.name}'`) });
  }
  for (const name of Object.keys(inputs)) {
    if (!bindings.some((b) => b.name === name)) throw new TfeError('E_ARG', `unknown input '${name}'`, `inputs: ${bindings.map((i) => i.name).join(', ')}`);
  }
  return { encoded, batch };
}

/** Row-wise softmax over the last dimension (`last` values per row), max-subtracted for stability. */
export function softmaxRows(x: Float64Array, last: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length; r += last) {
    let m = -Infinity;
    for (let j = 0; j < last; j++) m = Math.max(m, x[r + j]);
    let s = 0;
    for (let j = 0; j < last; j++) s += out[r + j] = Math.exp(x[r + j] - m);
    for (let j = 0; j < last; j++) out[r + j] /= s;
  }
  return out;
}

/** The output of binding `b` from its revealed words of shape `shape`. */
export function decodeOutputWords(b: DecodableBinding, shape: readonly number[], words: BigUint64Array): DecodedOutput {
  const data = b.kind === 'label' ? Float64Array.from(words, (v) => Number(BigInt.asIntN(64, v))) : decode(words, b.scale);
  return {
    shape: [...shape],
    data,
    kind: b.kind,
    ...(b.postprocess === 'softmax' ? { probabilities: softmaxRows(data, shape[shape.length - 1] ?? 1) } : {}),
  };
}
