/**
 * The IR's text form, one line per node:
 *   %id = Op(%a, %b) {attr=value, ...} : dtype[shape]
 * preceded by `inputs:` / `outputs:` lines. Constants are abbreviated: up to 8 values
 * are printed, larger ones as `<n values in [min, max]>`. Floats print with 6
 * significant digits so the text is stable across platforms (golden tests rely on it).
 * An unknown shape prints as `[?]`; the symbolic batch as -1.
 */
import type { AttrValue, IrGraph, IrNode, TensorData } from './node.js';

/** Most constant values printed in full. */
const MAX_PRINTED_VALUES = 8;

function num(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(6)));
}

function tensorText(t: TensorData): string {
  const head = `${t.dtype}[${t.shape.join(',')}]`;
  const v = t.values;
  if (Array.isArray(v) || !(typeof v === 'object' && 'length' in v)) {
    const s = v as readonly string[];
    return s.length <= MAX_PRINTED_VALUES ? `${head} ${JSON.stringify(s)}` : `${head} <${s.length} strings>`;
  }
  const nums = Array.from(v as ArrayLike<number | bigint>, (x) => Number(x));
  if (nums.length <= MAX_PRINTED_VALUES) return `${head} [${nums.map(num).join(', ')}]`;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of nums) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return `${head} <${nums.length} values in [${num(lo)}, ${num(hi)}]>`;
}

function attrText(v: AttrValue): string {
  if (typeof v === 'number') return num(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${(v as readonly (number | string)[]).map((x) => (typeof x === 'number' ? num(x) : JSON.stringify(x))).join(',')}]`;
  return tensorText(v as TensorData);
}

/** One node as a line of text. */
export function printNode(n: IrNode): string {
  const keys = Object.keys(n.attrs).sort();
  const attrs = keys.length > 0 ? ` {${keys.map((k) => `${k}=${attrText(n.attrs[k])}`).join(', ')}}` : '';
  const shape = n.shape ? `[${n.shape.join(',')}]` : '[?]';
  return `%${n.id} = ${n.op}(${n.inputs.map((i) => `%${i}`).join(', ')})${attrs} : ${n.dtype}${shape}`;
}

/** The whole graph as text (ends with a newline). */
export function printGraph(g: IrGraph): string {
  const lines = [
    `# ${g.source.format}: ${g.source.path}`,
    `inputs: ${g.inputs.map((i) => `%${i}`).join(', ')}`,
    `outputs: ${g.outputs.map((i) => `%${i}`).join(', ')}`,
    ...g.nodes.map(printNode),
  ];
  return `${lines.join('\n')}\n`;
}
