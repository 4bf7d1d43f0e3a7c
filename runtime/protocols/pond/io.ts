/**
 * Input and output: `share` turns an owner's private tensor into additive shares held
 * by the two servers; `reveal` opens a secret to a named party. `reveal` is the only
 * kernel that discloses a secret value, and only to the party its attributes name.
 */
import { TfeError } from '../../../src/errors.js';
import { pondSpec, roleAttr } from '../../../src/protocols/pond.js';
import { ringTensor, sizeOf } from '../../ring/tensor.js';
import type { Role } from '../../transport/types.js';
import { otherServer } from '../open.js';
import { implement, pub, secret } from '../types.js';

/** share: the owner splits x into x0 + x1 (x0 uniform from its own PRG) and sends x_i to server i. */
export const share = implement(pondSpec('share'), async (ctx, [x], attrs) => {
  const owner = roleAttr('share', attrs, 'owner');
  const shape = x.shape;
  const n = sizeOf(shape);
  if (ctx.role === owner) {
    if (x.kind !== 'public' || !x.value) throw new TfeError('E_PROTOCOL', `share: ${owner} owns the input but does not hold its value`);
    const r = ringTensor(shape, ctx.prg.ring(n));
    const rest = ctx.ring.sub(x.value, r);
    if (owner === 'server0' || owner === 'server1') {
      ctx.net.send(otherServer(owner), r.data);
      return [secret(shape, rest)];
    }
    ctx.net.send('server0', r.data);
    ctx.net.send('server1', rest.data);
    return [secret(shape)];
  }
  if (ctx.role === 'server0' || ctx.role === 'server1') return [secret(shape, ringTensor(shape, await ctx.net.recv(owner, n)))];
  return [secret(shape)];
});

/** publish: the owner sends its value in the clear to both servers (for values the plan makes public). */
export const publish = implement(pondSpec('publish'), async (ctx, [x], attrs) => {
  const owner = roleAttr('publish', attrs, 'owner');
  const n = sizeOf(x.shape);
  if (ctx.role === owner) {
    if (x.kind !== 'public' || !x.value) throw new TfeError('E_PROTOCOL', `publish: ${owner} owns the tensor but does not hold its value`);
    ctx.net.send('server0', x.value.data);
    ctx.net.send('server1', x.value.data);
    return [pub(x.shape)];
  }
  if (ctx.role === 'server0' || ctx.role === 'server1') return [pub(x.shape, ringTensor(x.shape, await ctx.net.recv(owner, n)))];
  return [pub(x.shape)];
});

/** reveal: REVEALS the secret to attrs.to (a role, or 'servers' for both servers). */
export const reveal = implement(pondSpec('reveal'), async (ctx, [x], attrs) => {
  const to = roleAttr('reveal', attrs, 'to');
  const shape = x.shape;
  const n = sizeOf(shape);
  if (ctx.role === 'server0' || ctx.role === 'server1') {
    if (x.kind !== 'secret' || !x.share) throw new TfeError('E_PROTOCOL', `reveal: ${ctx.role} has no share`);
    const peer = otherServer(ctx.role);
    if (to === 'servers' || to === peer) ctx.net.send(peer, x.share.data);
    if (to !== 'servers' && to !== 'server0' && to !== 'server1') ctx.net.send(to as Role, x.share.data);
    if (to === 'servers' || to === ctx.role) {
      const theirs = ringTensor(shape, await ctx.net.recv(peer, n));
      return [pub(shape, ctx.ring.add(x.share, theirs))];
    }
    return [pub(shape)];
  }
  if (ctx.role === to) {
    const a = ringTensor(shape, await ctx.net.recv('server0', n));
    const b = ringTensor(shape, await ctx.net.recv('server1', n));
    return [pub(shape, ctx.ring.add(a, b))];
  }
  return [pub(shape)];
});
