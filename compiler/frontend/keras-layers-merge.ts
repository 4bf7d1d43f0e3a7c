/** Converters for Keras merge layers: Add (a chain of binary Adds) and Concatenate (one Concat). */
import { int32, type LayerConverter, normalizeAxis } from './keras-layer-context.js';

export const addLayer: LayerConverter = {
  arity: 'many',
  convert(ctx) {
    let acc = ctx.inputs[0];
    for (let i = 1; i < ctx.inputs.length; i++) {
      acc = { id: ctx.node(i === 1 ? 'Add' : `Add_${i - 1}`, 'Add', [acc.id, ctx.inputs[i].id]), shape: acc.shape ?? ctx.inputs[i].shape };
    }
    return acc;
  },
};

export const concatenate: LayerConverter = {
  arity: 'many',
  convert(ctx) {
    const raw = ctx.cfg.axis ?? -1;
    const shapes = ctx.inputs.map((t) => t.shape);
    const rank = shapes.find((s) => s !== undefined)?.length;
    if (typeof raw !== 'number') {
      ctx.unsupported(`axis=${JSON.stringify(raw)}`);
      return { id: ctx.inputs[0].id, shape: undefined };
    }
    const axis = normalizeAxis(raw, rank);
    if (axis < 0) ctx.unsupported(`axis=${raw} on inputs of unknown rank`);
    if (axis === 0) ctx.unsupported('axis=0 (the batch axis)');
    const a = ctx.constant('axis', int32([axis], []));
    let shape: number[] | undefined;
    if (shapes.every((s) => s !== undefined)) {
      shape = [...(shapes[0] as readonly number[])];
      shape[axis] = shapes.some((s) => (s as readonly number[])[axis] < 0) ? -1 : shapes.reduce((sum, s) => sum + (s as readonly number[])[axis], 0);
    }
    return { id: ctx.node('concat', 'Concat', [...ctx.inputs.map((t) => t.id), a]), shape };
  },
};
