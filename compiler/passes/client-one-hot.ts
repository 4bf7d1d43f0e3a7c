/**
 * client-one-hot: an embedding lookup `GatherV2(table, ids, 0)` whose ids are an input
 * the client gives (an int32 / int64 Placeholder, possibly through Cast) becomes a
 * one-hot input and a matmul with the table, the form a secure runtime can compute: the
 * client knows its ids, so it encodes each id k as the row e_k of length V (the table's
 * first dimension) on its own machine, and one_hot(ids) · table = table[ids] is a secure
 * matmul with the model owner's shared table. The input keeps its name; its Placeholder
 * becomes float32 of shape ids.shape + [V] with attributes `one_hot_depth`,
 * `one_hot_dtype`, `one_hot_shape` that the plan's input binding carries as its client
 * preprocessing (src/plan/schema.ts), and each gather becomes
 * Reshape(one_hot, [N, 1, P, V]) -> Conv2D 1x1 with the table as filter [1, 1, V, R]
 * -> Reshape(·, ids.shape + rest): a matmul of each one-hot row with the table, written
 * as a 1x1 convolution so that the batch dimension stays apart (the IR does not fold
 * the batch into other dimensions). The ids' only free dimension must be the first. P is the number of ids per example, R the size of
 * a table row. Cost: V values shared per id, and an [N·P, V] x [V, R] product.
 *
 * A gather at indices computed inside the model (from secret values) stays impossible:
 * E_UNSUPPORTED naming the node. So is an id input also used as a number elsewhere.
 */
import { TfeError } from '../../src/errors.js';
import { consumers, removeDeadNodes, unsupportedOp } from '../../src/ir/graph.js';
import type { IrGraph, IrNode } from '../../src/ir/node.js';
import { constNumbers, constValue, makeConst, tensorToFloat64 } from '../../src/ir/tensor-data.js';
import type { Pass } from './pass.js';

interface Lookup {
  readonly gather: IrNode;
  readonly table: IrNode;
  readonly ids: IrNode;
}

function unsupported(g: IrGraph, n: IrNode, why: string, hint: string): TfeError {
  return new TfeError('E_UNSUPPORTED', `${g.source.path}: node '${n.id}' (GatherV2) ${why}`, hint);
}

const CLIENT_IDS_HINT = 'only a lookup at ids the client gives (an int32 or int64 input, possibly through Cast) runs privately: it becomes a one-hot input and a secure matmul';

/** The client input a gather's indices come from (through Casts), or an error naming the gather. */
function lookupOf(g: IrGraph, n: IrNode, byId: ReadonlyMap<string, IrNode>): Lookup {
  const [table, indices, axis] = n.inputs.map((i) => byId.get(i) as IrNode);
  let src = indices;
  while (src.op === 'Cast') src = byId.get(src.inputs[0]) as IrNode;
  const isClientInput = src.op === 'Placeholder' && unsupportedOp(src) === undefined && g.inputs.includes(src.id) && (src.dtype === 'int32' || src.dtype === 'int64');
  if (!isClientInput) {
    throw unsupported(g, n, `gathers at indices '${indices.id}' computed inside the model (from secret values), which cannot be done privately`, CLIENT_IDS_HINT);
  }
  if (constValue(table) === undefined) throw unsupported(g, n, `looks up ids in '${table.id}' (${table.op}), which is not a weight table (a constant)`, CLIENT_IDS_HINT);
  if ((constNumbers(axis) ?? [NaN])[0] !== 0 || (n.attrs.batch_dims ?? 0) !== 0) {
    throw unsupported(g, n, 'gathers on an axis other than 0 (or with batch_dims)', 'only a lookup of table rows (axis 0) at client ids is supported');
  }
  const s = src.shape ?? [];
  if (s.slice(1).includes(-1)) throw unsupported(g, n, `takes ids of shape [${s.join(',')}] with a free dimension after the first`, 'fix all but the batch dimension with --input NAME=SHAPE');
  if ((table.shape ?? []).length < 1) throw unsupported(g, n, `looks up ids in a scalar '${table.id}'`, CLIENT_IDS_HINT);
  return { gather: n, table, ids: src };
}

export const clientOneHotPass: Pass = {
  name: 'client-one-hot',
  purpose: 'turn embedding lookups at client-given ids into a client-side one-hot input and a matmul with the table',
  run(g) {
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    const lookups = g.nodes.filter((n) => n.op === 'GatherV2' && constValue(byId.get(n.inputs[1])) === undefined).map((n) => lookupOf(g, n, byId));
    if (lookups.length === 0) return g;
    const depth = new Map<string, number>();
    for (const l of lookups) {
      const v = (l.table.shape as readonly number[])[0];
      const d = depth.get(l.ids.id);
      if (d !== undefined && d !== v) throw unsupported(g, l.gather, `looks up input '${l.ids.id}' in a table of ${v} rows, another lookup of it has ${d}`, 'one id input can feed tables of one size only');
      depth.set(l.ids.id, v);
    }
    // The ids may only reach lookups (through Casts): a one-hot input has no other meaning.
    const uses = consumers(g);
    const gathers = new Set(lookups.map((l) => l.gather.id));
    const check = (id: string, root: string): void => {
      for (const u of uses.get(id) ?? []) {
        const c = byId.get(u) as IrNode;
        if (c.op === 'Cast') check(c.id, root);
        else if (!(gathers.has(c.id) && c.inputs[1] === id && c.inputs[0] !== id)) {
          throw new TfeError('E_UNSUPPORTED', `${g.source.path}: input '${root}' gives embedding ids, but node '${c.id}' (${c.op}) also uses it as a number`, 'the ids become a one-hot encoding on the client: use them only for lookups (GatherV2)');
        }
      }
      if (g.outputs.includes(id)) throw new TfeError('E_UNSUPPORTED', `${g.source.path}: input '${root}' gives embedding ids and is also an output`);
    };
    for (const id of depth.keys()) check(id, id);

    const replaced = new Map<string, IrNode[]>();
    for (const [id, v] of depth) {
      const ph = byId.get(id) as IrNode;
      const shape = ph.shape ?? [];
      replaced.set(id, [{ ...ph, dtype: 'float32', shape: [...shape, v], attrs: { ...ph.attrs, one_hot_depth: v, one_hot_dtype: ph.dtype, one_hot_shape: [...shape] } }]);
    }
    const taken = new Set(g.nodes.map((n) => n.id));
    const fresh = (base: string): string => {
      let id = base;
      for (let k = 1; taken.has(id); k++) id = `${base}_${k}`;
      taken.add(id);
      return id;
    };
    for (const { gather, table, ids } of lookups) {
      const v = depth.get(ids.id) as number;
      const ts = table.shape as readonly number[];
      const rest = ts.slice(1);
      const r = rest.reduce((a, d) => a * d, 1);
      const s = ids.shape ?? [];
      const batch = s.length > 0 && s[0] === -1 ? -1 : s.length > 0 ? s[0] : 1;
      const perExample = s.slice(1).reduce((a, d) => a * d, 1);
      const rowsShape = fresh(`${gather.id}/one_hot_rows/shape`);
      const rows = fresh(`${gather.id}/one_hot_rows`);
      const filter = fresh(`${gather.id}/table`);
      const product = fresh(`${gather.id}/lookup`);
      const outShape = fresh(`${gather.id}/shape`);
      const values = tensorToFloat64(constValue(table) as NonNullable<ReturnType<typeof constValue>>, table.id);
      replaced.set(gather.id, [
        // [batch, 1, positions, V] (NHWC), keeping the batch dimension apart, then a 1x1 convolution with the table.
        makeConst(rowsShape, 'int32', [4], Float64Array.of(batch, 1, s.length === 0 ? 1 : perExample, v)),
        { id: rows, op: 'Reshape', inputs: [ids.id, rowsShape], attrs: {}, dtype: 'float32', shape: [batch, 1, s.length === 0 ? 1 : perExample, v] },
        makeConst(filter, table.dtype, [1, 1, v, r], values),
        { id: product, op: 'Conv2D', inputs: [rows, filter], attrs: { strides: [1, 1, 1, 1], dilations: [1, 1, 1, 1], padding: 'VALID' }, dtype: table.dtype, shape: [batch, 1, s.length === 0 ? 1 : perExample, r] },
        makeConst(outShape, 'int32', [s.length + rest.length], Float64Array.from([...s, ...rest])),
        { id: gather.id, op: 'Reshape', inputs: [product, outShape], attrs: {}, dtype: table.dtype, shape: [...s, ...rest] },
      ]);
    }
    const nodes = g.nodes.flatMap((n) => replaced.get(n.id) ?? [n]);
    return removeDeadNodes({ ...g, nodes });
  },
};
