/**
 * Structural mutations of a JSON document, as data (so fast-check can shrink them):
 * delete a node, replace it with an arbitrary JSON value, an edge-case number or a
 * string taken from the document itself (ids, kernel and role names: the mutations that
 * reach deep rules), duplicate or swap array elements, add a key. Node positions are
 * indices into the document's nodes in depth-first order, taken modulo their count.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type JsonMutation =
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'replace'; readonly at: number; readonly value: Json }
  | { readonly op: 'number'; readonly at: number; readonly value: number }
  | { readonly op: 'string'; readonly at: number; readonly pick: number }
  | { readonly op: 'dup'; readonly at: number }
  | { readonly op: 'swap'; readonly at: number; readonly other: number }
  | { readonly op: 'addKey'; readonly at: number; readonly key: string; readonly value: Json };

/** Numbers that break size, index and scale checks: negatives, fractions, 2^31, 2^53, huge. */
export const EDGE_NUMBERS = [0, -1, 1, 2, 3, -2, 0.5, -0.5, 16, 62, 63, 64, 65, 255, 256, 1024, 65535, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e21, 1e308, -1e308, 5e-324];

/** Keys an attacker would try: prototype pollution and the schema's own field names. */
const EDGE_KEYS = ['__proto__', 'constructor', 'prototype', 'planId', 'reveals', 'attrs', 'to', 'owner', 'visibility', 'shape'];

const jsonValue = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: jsonValue }),
  { arbitrary: fc.record({ op: fc.constant('number' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...EDGE_NUMBERS), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('string' as const), at: fc.nat(), pick: fc.nat() }), weight: 3 },
  fc.record({ op: fc.constant('dup' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant('addKey' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...EDGE_KEYS), fc.string({ maxLength: 8 })), value: jsonValue }),
);

type Path = readonly (string | number)[];

/** Every node's path, depth first (the root's is []). */
function paths(doc: Json): Path[] {
  const out: Path[] = [];
  const walk = (v: Json, p: Path): void => {
    out.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) walk(v[k], [...p, k]);
  };
  walk(doc, []);
  return out;
}

/** Every string in the document (values, not keys), deduplicated, in order. */
export function stringsOf(doc: Json): string[] {
  const out = new Set<string>();
  const walk = (v: Json): void => {
    if (typeof v === 'string') out.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(doc);
  return [...out];
}

function get(doc: Json, p: Path): Json {
  let v: Json = doc;
  for (const k of p) v = (v as Record<string | number, Json>)[k];
  return v;
}

/** Sets (or with `value` undefined deletes) the node at a non-empty path. */
function put(doc: Json, p: Path, value: Json | undefined): void {
  const parent = get(doc, p.slice(0, -1));
  const k = p[p.length - 1];
  if (Array.isArray(parent) && typeof k === 'number') {
    if (value === undefined) parent.splice(k, 1);
    else parent[k] = value;
  } else if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) {
    if (value === undefined) delete parent[k as string];
    else Object.defineProperty(parent, k as string, { value, enumerable: true, writable: true, configurable: true });
  }
}

/** A mutated deep copy of `doc`; `pool` supplies the strings of `string` mutations. */
export function mutateJson(doc: Json, ms: readonly JsonMutation[], pool: readonly string[]): Json {
  let d = structuredClone(doc);
  for (const m of ms) {
    const all = paths(d);
    const p = all[m.at % all.length];
    const root = p.length === 0;
    switch (m.op) {
      case 'delete':
        if (root) d = null;
        else put(d, p, undefined);
        break;
      case 'replace':
        if (root) d = structuredClone(m.value);
        else put(d, p, structuredClone(m.value));
        break;
      case 'number':
        if (root) d = m.value;
        else put(d, p, m.value);
        break;
      case 'string': {
        const s = pool[m.pick % pool.length] ?? '';
        if (root) d = s;
        else put(d, p, s);
        break;
      }
      case 'dup': {
        const v = get(d, p);
        if (Array.isArray(v) && v.length > 0) v.push(structuredClone(v[m.at % v.length]));
        else if (!root) {
          const parent = get(d, p.slice(0, -1));
          if (Array.isArray(parent)) parent.splice(p[p.length - 1] as number, 0, structuredClone(v));
        }
        break;
      }
      case 'swap': {
        const q = all[m.other % all.length];
        if (root || q.length === 0) break;
        // only swap nodes where neither contains the other
        const prefix = (a: Path, b: Path): boolean => a.length <= b.length && a.every((x, i) => x === b[i]);
        if (prefix(p, q) || prefix(q, p)) break;
        const a = get(d, p);
        const b = get(d, q);
        put(d, p, b);
        put(d, q, a);
        break;
      }
      case 'addKey': {
        const v = get(d, p);
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
          Object.defineProperty(v, m.key, { value: structuredClone(m.value), enumerable: true, writable: true, configurable: true });
        }
        break;
      }
    }
  }
  return d;
}
