/** Small helpers over ring graphs shared by the secure passes: lookup, use counts, fresh ids. */
import { TfeError } from '../../src/errors.js';
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';

export function ringNodeMap(g: RingGraph): Map<string, RingNode> {
  return new Map(g.nodes.map((n) => [n.id, n]));
}

export function ringUses(g: RingGraph): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) m.set(i, (m.get(i) ?? 0) + 1);
  return m;
}

export function must(m: ReadonlyMap<string, RingNode>, id: string): RingNode {
  const n = m.get(id);
  if (!n) throw new TfeError('E_IR', `ring graph has no node "${id}"`);
  return n;
}

/** A fresh-id allocator over the ids already in use. */
export function idAllocator(g: RingGraph): (base: string) => string {
  const taken = new Set(g.nodes.map((n) => n.id));
  return (base) => {
    let id = base;
    for (let k = 1; taken.has(id); k++) id = `${base}_${k}`;
    taken.add(id);
    return id;
  };
}

/** Drops nodes nothing reaches from an output. */
export function removeDead(g: RingGraph): RingGraph {
  const byId = ringNodeMap(g);
  const live = new Set<string>();
  const stack = g.nodes.filter((n) => n.op === 'output').map((n) => n.id);
  while (stack.length) {
    const id = stack.pop() as string;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...must(byId, id).inputs);
  }
  return { ...g, nodes: g.nodes.filter((n) => live.has(n.id)) };
}
