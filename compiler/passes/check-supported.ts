/**
 * check-supported: rejects a graph that still holds nodes its frontend could not
 * convert (markers, see `unsupportedOp`) once the cut has run, with one E_UNSUPPORTED
 * error that lists every such node and suggests where to cut (the tensors that
 * supported nodes read from them).
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
    const cuts = [...frontier].map((id) => `--input ${id}=SHAPE`).join(' ');
    throw new TfeError(
      'E_UNSUPPORTED',
      `${g.source.path}: ${bad.length} unsupported op${bad.length > 1 ? 's' : ''}: ${list}`,
      frontier.size > 0
        ? `if they only pre-process the input, compile from after them: ${cuts} (SHAPE like 1x49x10, -1 for the batch)`
        : 'these ops cannot run under MPC; remove them from the model or cut the graph with --input NAME=SHAPE',
    );
  },
};
