/**
 * Graph helpers shared by passes, the verifier and the interpreter: lookup, the
 * consumers map, topological sort, node replacement and removal, reachability, and
 * TensorFlow tensor names (`x`, `x:0`). All helpers return new graphs; inputs are
 * never mutated.
 */
import { TfeError } from '../errors.js';
import type { IrGraph, IrNode } from './node.js';

/** Id -> node. */
export function nodeMap(g: IrGraph): Map<string, IrNode> {
  return new Map(g.nodes.map((n) => [n.id, n]));
}

/** The node with `id`; E_IR when there is none. */
export function getNode(g: IrGraph, id: string): IrNode {
  const n = g.nodes.find((m) => m.id === id);
  if (!n) throw new TfeError('E_IR', `no node "${id}" in the graph of ${g.source.path}`);
  return n;
}

/** Id -> ids of the nodes consuming it (once per use, in node order). Graph outputs are not listed. */
export function consumers(g: IrGraph): Map<string, string[]> {
  const m = new Map<string, string[]>(g.nodes.map((n) => [n.id, []]));
  for (const n of g.nodes) for (const i of n.inputs) m.get(i)?.push(n.id);
  return m;
}

/** Number of uses of each id, counting each appearance among operands and among graph outputs. */
export function useCounts(g: IrGraph): Map<string, number> {
  const m = new Map<string, number>(g.nodes.map((n) => [n.id, 0]));
  for (const n of g.nodes) for (const i of n.inputs) m.set(i, (m.get(i) ?? 0) + 1);
  for (const o of g.outputs) m.set(o, (m.get(o) ?? 0) + 1);
  return m;
}

/**
 * The nodes in a topological order, stable with respect to the given order (a node
 * moves only as far as its operands force). E_IR on a cycle or a missing operand.
 */
export function topoSort(nodes: readonly IrNode[], where = 'graph'): IrNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = emitted
  const out: IrNode[] = [];
  for (const root of nodes) {
    if (state.get(root.id) === 2) continue;
    // Iterative DFS so deep graphs do not overflow the call stack.
    const stack: { node: IrNode; next: number }[] = [{ node: root, next: 0 }];
    state.set(root.id, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const id = top.node.inputs[top.next++];
        const dep = byId.get(id);
        if (!dep) throw new TfeError('E_IR', `${where}: node "${top.node.id}" uses "${id}", which is not in the graph`);
        const s = state.get(id);
        if (s === 1) throw new TfeError('E_IR', `${where}: cycle through node "${id}"`);
        if (s === undefined) {
          state.set(id, 1);
          stack.push({ node: dep, next: 0 });
        }
      } else {
        state.set(top.node.id, 2);
        out.push(top.node);
        stack.pop();
      }
    }
  }
  return out;
}

/** The graph with its node list replaced (sorted topologically), inputs/outputs kept unless given. */
export function withNodes(
  g: IrGraph,
  nodes: readonly IrNode[],
  io: { inputs?: readonly string[]; outputs?: readonly string[] } = {},
): IrGraph {
  return { ...g, nodes: topoSort(nodes, g.source.path), inputs: io.inputs ?? g.inputs, outputs: io.outputs ?? g.outputs };
}

/** The graph with the node of id `id` replaced by `node` (which may have another id: uses are rewired). */
export function replaceNode(g: IrGraph, id: string, node: IrNode): IrGraph {
  const nodes = g.nodes.map((n) => (n.id === id ? node : n));
  if (node.id === id) return withNodes(g, nodes);
  return rewireUses({ ...g, nodes }, id, node.id);
}

/** Every use of `from` (operands and graph outputs) becomes a use of `to`. */
export function rewireUses(g: IrGraph, from: string, to: string): IrGraph {
  const swap = (i: string): string => (i === from ? to : i);
  const nodes = g.nodes.map((n) => (n.inputs.includes(from) ? { ...n, inputs: n.inputs.map(swap) } : n));
  return withNodes(g, nodes, { outputs: g.outputs.map(swap), inputs: g.inputs.map(swap) });
}

/** The graph without node `id`, which must have no remaining uses (E_IR otherwise). */
export function removeNode(g: IrGraph, id: string): IrGraph {
  const user = g.nodes.find((n) => n.inputs.includes(id));
  if (user) throw new TfeError('E_IR', `cannot remove node "${id}": node "${user.id}" still uses it`);
  if (g.outputs.includes(id)) throw new TfeError('E_IR', `cannot remove node "${id}": it is a graph output`);
  return { ...g, nodes: g.nodes.filter((n) => n.id !== id), inputs: g.inputs.filter((i) => i !== id) };
}

/**
 * Ids of the nodes the `roots` depend on (the roots included), walking operands, and
 * for an unsupported-op marker the nodes it would have read (`unsupported_inputs`), so
 * that every unsupported op upstream of an output stays to be reported.
 */
export function reachableFrom(g: IrGraph, roots: readonly string[]): Set<string> {
  const byId = nodeMap(g);
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = byId.get(id);
    if (!n) continue;
    stack.push(...n.inputs);
    const hidden = unsupportedOp(n) !== undefined ? n.attrs.unsupported_inputs : undefined;
    if (Array.isArray(hidden)) {
      for (const t of hidden as readonly string[]) {
        const base = typeof t === 'string' ? t.replace(/:\d+$/, '') : '';
        if (byId.has(t)) stack.push(t);
        else if (byId.has(base)) stack.push(base);
      }
    }
  }
  return seen;
}

/** Keeps only the nodes the graph outputs need; graph inputs no longer needed are dropped. */
export function removeDeadNodes(g: IrGraph): IrGraph {
  const live = reachableFrom(g, g.outputs);
  return { ...g, nodes: g.nodes.filter((n) => live.has(n.id)), inputs: g.inputs.filter((i) => live.has(i)) };
}

/** A fresh id not used in `g`, derived from `base` (`base`, `base_1`, `base_2`, ...). */
export function freshId(g: IrGraph | ReadonlySet<string>, base: string): string {
  const taken = 'nodes' in g ? new Set(g.nodes.map((n) => n.id)) : g;
  if (!taken.has(base)) return base;
  for (let k = 1; ; k++) if (!taken.has(`${base}_${k}`)) return `${base}_${k}`;
}

/**
 * Resolves a user-supplied node or tensor name (`x`, `x:0`, `^x` is not accepted)
 * to a node id of `g`. A node id that itself contains `:` wins over the tensor
 * reading. Output index 0 is the node; another index must name a node of its own
 * (frontends name extra outputs `node:k`). A SavedModel input may also be named by its
 * signature key. E_ARG with the closest names otherwise.
 */
export function resolveTensorName(g: IrGraph, name: string, what = 'name'): string {
  const ids = new Set(g.nodes.map((n) => n.id));
  if (ids.has(name)) return name;
  const m = /^(.*):(\d+)$/.exec(name);
  if (m) {
    const [, base, idx] = m;
    if (idx === '0' && ids.has(base)) return base;
    if (ids.has(`${base}:${idx}`)) return `${base}:${idx}`;
  }
  // A SavedModel signature key (frontends record it on the input's Placeholder).
  const keyed = g.nodes.filter((n) => n.op === 'Placeholder' && n.attrs.signature_key === name);
  if (keyed.length === 1) return keyed[0].id;
  const stem = (m ? m[1] : name).toLowerCase();
  const near = [...ids].filter((id) => id.toLowerCase().includes(stem) || stem.includes(id.toLowerCase())).slice(0, 5);
  throw new TfeError(
    'E_ARG',
    `${what} "${name}" is not a node or tensor of ${g.source.path}`,
    near.length > 0 ? `did you mean ${near.map((s) => `"${s}"`).join(', ')}? (see the names with --emit ir)` : 'list the node names with --emit ir',
  );
}

/**
 * The op a frontend could not convert, when `n` is a marker for it. Frontends asked
 * to keep going past unsupported ops (`allowUnsupported`) put a Placeholder with an
 * `unsupported_op` attribute in their place; a cut must remove every marker before
 * the graph can run (the check-supported pass rejects any that remain).
 */
export function unsupportedOp(n: IrNode): string | undefined {
  const v = n.attrs.unsupported_op;
  return n.op === 'Placeholder' && typeof v === 'string' ? v : undefined;
}
