/**
 * Fitting a user's input tensor to the model's input shape, without ever reinterpreting
 * it: the tensor's shape must equal the model's (a -1 matches any batch size), or the
 * model's without its leading batch dimension (a batch of 1 is then added). Two image
 * conveniences are kept, both of which only drop or merge dimensions of size H, W and 1
 * (never split or regroup other dimensions): a square grayscale image ([H, W], [H, W, 1],
 * [B, H, W] or [B, H, W, 1] with H = W) is flattened row-major for a model taking
 * [N, H*W] (MNIST's [N, 784]); and a grayscale image [B, H, W, 1] feeds a model taking
 * [N, H, W]. Anything else (say a [28, 28, 3] array for a [N, 28, 28, 1] model, which
 * the element count alone would read as three examples) is an E_SHAPE error naming both
 * shapes. An empty tensor (no elements, or a batch of 0) is an E_ARG error, and a value
 * that is NaN or infinite is an E_RANGE error naming the input and the first bad index.
 */
import { TfeError } from '../../src/errors.js';
import type { FloatTensor } from './preprocess.js';

const show = (s: readonly number[]): string => `[${s.map((d) => (d === -1 ? 'N' : d)).join(',')}]`;

function matches(want: readonly number[], got: readonly number[]): boolean {
  return want.length === got.length && want.every((d, i) => d === -1 || d === got[i]);
}

/**
 * The shape `got` takes for a model input of shape `want`, or undefined when it does not
 * fit (see the file comment for the accepted forms).
 */
export function fittedShape(want: readonly number[], got: readonly number[]): readonly number[] | undefined {
  if (matches(want, got)) return got;
  const batchFree = want.length > 0 && (want[0] === -1 || want[0] === 1);
  if (batchFree && matches(want, [1, ...got])) return [1, ...got];
  // a square grayscale image for a model taking [N, H*W]
  if (want.length === 2 && want[1] > 1) {
    const side = Math.round(Math.sqrt(want[1]));
    if (side * side === want[1]) {
      const forms: [readonly number[], number][] = [
        [[side, side], 1],
        [[side, side, 1], 1],
        ...(got.length === 3 ? [[[got[0], side, side], got[0]] as [number[], number]] : []),
        ...(got.length === 4 ? [[[got[0], side, side, 1], got[0]] as [number[], number]] : []),
      ];
      for (const [form, batch] of forms) {
        if (form.length === got.length && form.every((d, i) => d === got[i]) && matches(want, [batch, want[1]])) return [batch, want[1]];
      }
    }
  }
  // a grayscale [B, H, W, 1] image for a model taking [N, H, W]
  if (want.length === 3 && got.length === 4 && got[3] === 1 && matches(want, got.slice(0, 3))) return got.slice(0, 3);
  return undefined;
}

/** Refuses an empty tensor (E_ARG) and a non-finite value (E_RANGE), naming the input. */
export function checkInputValues(name: string, t: FloatTensor, where?: string): void {
  const at = where ? `${where}: ` : '';
  const zero = t.shape.indexOf(0);
  if (t.data.length === 0 || zero >= 0) {
    throw new TfeError('E_ARG', `${at}input '${name}' of shape [${t.shape.join(',')}] is empty${zero === 0 ? ' (a batch of 0 examples)' : ''}`, 'give at least one example');
  }
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i])) {
      throw new TfeError('E_RANGE', `${at}input '${name}'[${i}] = ${t.data[i]} is not a finite number`, 'inputs must be finite numbers (no NaN or infinity)');
    }
  }
}

/** `t` as the model's input `name` of shape `want` takes it; E_SHAPE when it does not fit. */
export function fitInput(t: FloatTensor, name: string, want: readonly number[], where: string): FloatTensor {
  checkInputValues(name, t, where);
  const shape = fittedShape(want, t.shape);
  if (!shape) {
    throw new TfeError('E_SHAPE', `${where}: input of shape [${t.shape.join(',')}] does not fit the model's input '${name}' of shape ${show(want)}`,
      `give an array of shape ${show(want)}, or ${show(want.slice(1))} for one example`);
  }
  return { shape, data: t.data };
}
