/**
 * check-supported: rejects a graph that still holds nodes its frontend could not
 * convert (markers, see `unsupportedOp`) once the cut has run, with one E_UNSUPPORTED
 * error that lists every such node and suggests where to cut (the tensors that
 * supported nodes read from them), with each cut tensor's real shape when it is known
 * (recorded by the exporter, or derived by the frontend) and `SHAPE` otherwise.
 */
import { TfeError } from '../../src/errors.js';
import { unsupportedOp } from '../../src/ir/graph.js';
import type { Pass } from './pass.js';

export const checkSupportedPass: Pass = {
  name: 'check-supported',
  purpose: 'reject any node the frontend could not convert and that the cut did not remove',
  run(g) {
    const bad = g.nodes.filter((n) => unsupportedOp(n) !== undefined);
    if (bad.length === 0) return g;
    const badIds = new Set(bad.map((n) => n.id));
    const frontier = new Set<string>();
    for (const n of g.nodes) if (!badIds.has(n.id)) for (const i of n.inputs) if (badIds.has(i)) frontier.add(i);
    // A frontend may say why (`unsupported_detail`, e.g. "op Conv2D, data_format NCHW; only NHWC is supported").
    const why = (n: (typeof bad)[number]): string => {
      const d = n.attrs.unsupported_detail;
      return typeof d === 'string' && d.length > 0 ? d : `op ${unsupportedOp(n)}`;
    };
    const list = bad.map((n) => `node '${n.id}' (${why(n)})`).join(', ');
    const shapeOf = new Map(g.nodes.map((n) => [n.id, n.shape]));
    const known = (id: string): boolean => { const s = shapeOf.get(id); return s !== undefined && s.length > 0 && s.every((d) => d >= -1); };
    const spell = (id: string): string => (known(id) ? (shapeOf.get(id) as readonly number[]).join('x') : 'SHAPE');
    const cuts = [...frontier].map((id) => `--input ${id}=${spell(id)}`).join(' ');
    const allKnown = [...frontier].every(known);
    const note = allKnown
      ? 'the shape is the tensor\'s own; -1 in place of its first dimension takes a batch'
      : 'SHAPE like 1x49x10, -1 for the batch';
    throw new TfeError(
      'E_UNSUPPORTED',
      `${g.source.path}: ${bad.length} unsupported op${bad.length > 1 ? 's' : ''}: ${list}`,
      frontier.size > 0
        ? `if they only pre-process the input, compile from after them: ${cuts} (${note})`
        : 'these ops cannot run under MPC; remove them from the model or cut the graph with --input NAME=SHAPE',
    );
  },
};
