/**
 * TensorFlow's StridedSlice index arithmetic (begin/end/strides with the five masks),
 * shared by the shape rule and the interpreter kernel. Semantics follow
 * tf.strided_slice: a set bit i of begin_mask/end_mask ignores begin[i]/end[i];
 * ellipsis_mask expands to the dims not otherwise named; new_axis_mask inserts a
 * size-1 dim; shrink_axis_mask takes index begin[i] and drops the dim. Out-of-range
 * begin/end are clamped like Python slices.
 */
import { TfeError } from '../errors.js';

export interface StridedSliceMasks {
  readonly begin_mask: number;
  readonly end_mask: number;
  readonly ellipsis_mask: number;
  readonly new_axis_mask: number;
  readonly shrink_axis_mask: number;
}

/** One input dim's selection: indices start, start+step, ... (count of them). */
export interface DimSelection {
  readonly start: number;
  readonly step: number;
  readonly count: number;
  /** Dropped from the output (shrink_axis). */
  readonly shrink: boolean;
}

export interface SlicePlan {
  /** One entry per input dim. */
  readonly dims: readonly DimSelection[];
  /** The output shape (with new axes inserted, shrunk dims removed). */
  readonly outShape: number[];
}

/**
 * Plans a strided slice of a tensor of `shape` (-1 = symbolic size: a selection of it
 * that depends on the size gives count -1). E_SHAPE naming `where` on bad arguments.
 */
export function planStridedSlice(
  shape: readonly number[],
  begin: readonly number[],
  end: readonly number[],
  strides: readonly number[],
  masks: StridedSliceMasks,
  where: string,
): SlicePlan {
  const n = begin.length;
  if (end.length !== n || strides.length !== n) {
    throw new TfeError('E_SHAPE', `${where}: StridedSlice begin/end/strides lengths differ (${n}, ${end.length}, ${strides.length})`);
  }
  const bit = (m: number, i: number): boolean => ((m >> i) & 1) === 1;
  // Expand the sparse spec into one entry per input dim (plus new axes).
  type Entry = { kind: 'dim'; i: number } | { kind: 'new' };
  const entries: Entry[] = [];
  let ellipsisSeen = false;
  const namedAfterEllipsis = (from: number): number => {
    let c = 0;
    for (let j = from; j < n; j++) if (!bit(masks.new_axis_mask, j)) c++;
    return c;
  };
  let used = 0;
  for (let i = 0; i < n; i++) {
    if (bit(masks.ellipsis_mask, i)) {
      if (ellipsisSeen) throw new TfeError('E_SHAPE', `${where}: StridedSlice has more than one ellipsis`);
      ellipsisSeen = true;
      const fill = shape.length - used - namedAfterEllipsis(i + 1);
      for (let k = 0; k < fill; k++) entries.push({ kind: 'dim', i: -1 });
      used += Math.max(fill, 0);
    } else if (bit(masks.new_axis_mask, i)) {
      entries.push({ kind: 'new' });
    } else {
      entries.push({ kind: 'dim', i });
      used++;
    }
  }
  while (used < shape.length) {
    entries.push({ kind: 'dim', i: -1 });
    used++;
  }
  if (used > shape.length) {
    throw new TfeError('E_SHAPE', `${where}: StridedSlice indexes ${used} dims of a rank-${shape.length} tensor`);
  }
  const dims: DimSelection[] = [];
  const outShape: number[] = [];
  let d = 0;
  for (const e of entries) {
    if (e.kind === 'new') {
      outShape.push(1);
      continue;
    }
    const size = shape[d++];
    if (e.i < 0) {
      dims.push({ start: 0, step: 1, count: size, shrink: false });
      outShape.push(size);
      continue;
    }
    const i = e.i;
    const stride = strides[i];
    if (stride === 0) throw new TfeError('E_SHAPE', `${where}: StridedSlice stride ${i} is 0`);
    if (bit(masks.shrink_axis_mask, i)) {
      let b = begin[i];
      if (size >= 0) {
        if (b < 0) b += size;
        if (b < 0 || b >= size) throw new TfeError('E_SHAPE', `${where}: StridedSlice index ${begin[i]} out of range for dim ${d - 1} of size ${size}`);
      } else if (b < 0) {
        dims.push({ start: -1, step: 1, count: 1, shrink: true });
        continue;
      }
      dims.push({ start: b, step: 1, count: 1, shrink: true });
      continue;
    }
    const beginSet = !bit(masks.begin_mask, i);
    const endSet = !bit(masks.end_mask, i);
    if (size < 0) {
      // Symbolic size: only a selection that does not depend on it has a known count.
      const b = beginSet ? begin[i] : stride > 0 ? 0 : -1;
      if (stride > 0 && b >= 0 && endSet && end[i] >= 0) {
        const count = Math.max(0, Math.ceil((end[i] - b) / stride));
        dims.push({ start: b, step: stride, count, shrink: false });
        outShape.push(count);
      } else {
        dims.push({ start: -1, step: stride, count: -1, shrink: false });
        outShape.push(-1);
      }
      continue;
    }
    let b: number;
    let en: number;
    if (stride > 0) {
      b = beginSet ? clamp(begin[i] < 0 ? begin[i] + size : begin[i], 0, size) : 0;
      en = endSet ? clamp(end[i] < 0 ? end[i] + size : end[i], 0, size) : size;
    } else {
      b = beginSet ? clamp(begin[i] < 0 ? begin[i] + size : begin[i], -1, size - 1) : size - 1;
      en = endSet ? clamp(end[i] < 0 ? end[i] + size : end[i], -1, size - 1) : -1;
    }
    const count = Math.max(0, Math.ceil((en - b) / stride));
    dims.push({ start: b, step: stride, count, shrink: false });
    outShape.push(count);
  }
  return { dims, outShape };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
