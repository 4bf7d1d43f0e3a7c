/**
 * Generic lowering rules, shared by protocols whose kernels follow the naming of
 * src/protocols (`<op>_ss` secret x secret, `<op>_sp` secret x public, `<op>_ps`,
 * `<op>_s` on one secret), and decompositions gated on the protocol's kernel set: an
 * op the protocol has no kernel for is composed from kernels it has (SecretFlow SPU's
 * fallback composition), and where neither exists the node is reported naming the
 * missing kernels.
 */
import type { RingAttrs, RingNode } from '../../src/ir/ring-ops.js';
import type { PlanTensor } from '../../src/plan/schema.js';
import type { KernelAttrs } from '../../src/protocols/spec.js';
import type { LowerContext, LowerRule } from './lower.js';

const isSecret = (t: PlanTensor): boolean => t.visibility === 'secret';

/** The kernel attributes of a node, from its ring attributes. */
export type AttrsOf = (a: RingAttrs, n: RingNode) => KernelAttrs;

const none: AttrsOf = () => ({});

/**
 * A binary op by operand visibility: `base_ss`, `base_sp`, or `base_ps` (add and mul
 * commute: the secret operand goes first, and of two secrets a weight goes second);
 * a product of two secrets whose second operand is a weight caches that weight's mask
 * (`cacheKey`, its tensor id: opened once per deployment, not per prediction). Two
 * public operands are a problem (they fold at compile time).
 */
export function binary(base: string, attrsOf: AttrsOf = none): LowerRule {
  const commutative = base === 'mul' || base === 'add';
  const bilinear = base !== 'add' && base !== 'sub';
  return (c) => {
    const [a, b] = c.ins;
    const sa = isSecret(a);
    const sb = b ? isSecret(b) : false;
    let kernel: string;
    let ordered: PlanTensor[];
    if (sa && sb) {
      kernel = `${base}_ss`;
      ordered = commutative && c.isWeight(a) && !c.isWeight(b) ? [b, a] : [a, b];
    } else if (sa) {
      kernel = `${base}_sp`;
      ordered = [a, b];
    } else if (sb) {
      kernel = commutative ? `${base}_sp` : `${base}_ps`;
      ordered = commutative ? [b, a] : [a, b];
    } else {
      c.fail('both operands are public: fold them at compile time');
      return;
    }
    const cache: KernelAttrs = kernel.endsWith('_ss') && bilinear && c.isWeight(ordered[1]) ? { cacheKey: ordered[1].id } : {};
    c.bind(c.step('predict', kernel, ordered, c.secretOut(), { ...attrsOf(c.node.attrs, c.node), ...cache }));
  };
}

/** True if every operand is secret; else a problem. */
function secretOperands(c: LowerContext): boolean {
  if (c.ins.every(isSecret)) return true;
  c.fail('a public operand where the kernel takes secrets');
  return false;
}

/** One kernel on secret operands (any number of them). */
export function unary(kernel: string, attrsOf: AttrsOf = none): LowerRule {
  return (c) => {
    if (secretOperands(c)) c.bind(c.step('predict', kernel, c.ins, c.secretOut(), attrsOf(c.node.attrs, c.node)));
  };
}

/** An op an earlier pass must replace (the activations pass replaces sigmoid and tanh). */
export const replacedEarlier: LowerRule = (c) => c.fail(`ring op ${c.node.op} must be replaced before lowering`);

/** The kernels of `needed` the protocol lacks. */
export function missing(c: LowerContext, needed: readonly string[]): string[] {
  return needed.filter((k) => !c.has(k));
}

/**
 * The first of `options` whose kernels the protocol has all of; else a problem naming
 * the missing kernel of each option (`has no kernel 'relu_s' (nor 'drelu_s' for
 * drelu_s + mul_ss)`).
 */
export function firstAvailable(options: readonly { readonly kernels: readonly string[]; readonly rule: LowerRule }[]): LowerRule {
  return (c) => {
    const o = options.find((x) => missing(c, x.kernels).length === 0);
    if (o) {
      o.rule(c);
      return;
    }
    const [first, ...rest] = options.map((x) => ({ lacks: missing(c, x.kernels), kernels: x.kernels }));
    const alternatives = rest.map((x) => ` (nor ${x.lacks.map((k) => `'${k}'`).join(', ')} for ${x.kernels.join(' + ')})`).join('');
    c.fail(`protocol ${c.protocol.name} has no kernel ${first.lacks.map((k) => `'${k}'`).join(', ')}${alternatives}`);
  };
}

/** relu(x) = x * [x >= 0]: a 0/1 secret from drelu_s (scale 0), times x (mul_ss keeps x's scale: exact). */
export const reluByDrelu: LowerRule = (c) => {
  if (!secretOperands(c)) return;
  const [x] = c.ins;
  const bit = c.step('predict', 'drelu_s', [x], c.temp('nonnegative', x.shape, 0));
  c.bind(c.step('predict', 'mul_ss', [x, bit], c.secretOut()));
};

/** relu: the protocol's relu_s, else drelu_s then mul_ss. */
export const relu: LowerRule = firstAvailable([
  { kernels: ['relu_s'], rule: unary('relu_s') },
  { kernels: ['drelu_s', 'mul_ss'], rule: reluByDrelu },
]);
