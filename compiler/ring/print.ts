/**
 * The ring IR's text form, one line per node (stable for golden files):
 *   %id = op(%a, %b) {attrs} : secret[-1,10] @32 |x|<=12.5  # approximation
 * Visibility, scale (@) and bound appear once the passes have set them; const values
 * are summarised (count and range), never printed in full.
 */
import type { RingAttrValue, RingGraph, RingNode } from '../../src/ir/ring-ops.js';

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

function attr(v: RingAttrValue): string {
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  return `[${(v as readonly (number | readonly number[])[]).map((x) => (typeof x === 'number' ? num(x) : `[${x.map(num).join(',')}]`)).join(',')}]`;
}

function constText(v: Float64Array): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return v.length === 1 ? `<${num(v[0])}>` : `<${v.length} values in [${num(lo)}, ${num(hi)}]>`;
}

export function printRingNode(n: RingNode): string {
  const keys = Object.keys(n.attrs).sort();
  const attrs = keys.length ? ` {${keys.map((k) => `${k}=${attr(n.attrs[k])}`).join(', ')}}` : '';
  const val = n.value ? ` ${constText(n.value)}` : '';
  const scale = n.scale !== undefined ? ` @${n.scale}` : '';
  const bound = n.bound !== undefined ? ` |x|<=${num(n.bound)}` : '';
  const approx = n.approximation ? `  # ${n.approximation}` : '';
  return `%${n.id} = ${n.op}(${n.inputs.map((i) => `%${i}`).join(', ')})${attrs}${val} : ${n.vis ?? '?'}[${n.shape.join(',')}]${scale}${bound}${approx}`;
}

export function printRing(g: RingGraph): string {
  return [`# ring IR (${g.source.format}: ${g.source.path}), ${g.fracBits} fractional bits`, ...g.nodes.map(printRingNode)].join('\n') + '\n';
}
