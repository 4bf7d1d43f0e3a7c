/**
 * Input and output: `share` turns an owner's private tensor into additive shares held
 * by the two servers; `reveal` opens a secret to a named party. `reveal` is the only
 * kernel that discloses a secret value, and only to the party its attributes name.
 */
import { TfeError } from '../../../src/errors.js';
import { ringTensor, sizeOf, type Shape } from '../../ring/tensor.js';
import type { Role } from '../../transport/types.js';
import { optStrAttr } from '../attrs.js';
import { otherServer } from '../open.js';
import { pub, secret, type Kernel, type KernelAttrs } from '../types.js';

const ROLES: readonly Role[] = ['server0', 'server1', 'dealer', 'client', 'model-owner'];

function roleAttr(kernel: string, attrs: KernelAttrs, name: string, extra: readonly string[] = []): string {
  const v = optStrAttr(attrs, name);
  if (v === undefined || !([...ROLES, ...extra] as readonly string[]).includes(v)) {
    throw new TfeError('E_PLAN', `${kernel}: attribute '${name}' must name a role (${[...ROLES, ...extra].join(', ')}), got ${JSON.stringify(attrs[name])}`);
  }
  return v;
}

const bytesOf = (s: Shape): number => 8 * sizeOf(s);

/** share: the owner splits x into x0 + x1 (x0 uniform from its own PRG) and sends x_i to server i. */
export const share: Kernel = {
  name: 'share',
  summary: 'secret-share a tensor held in the clear by attrs.owner; sends one uniformly masked share to each server',
  reveals: false,
  operands: ['public'],
  outputShapes: (s) => [s[0]],
  cost(s, attrs) {
    const owner = roleAttr('share', attrs, 'owner') as Role;
    const isSrv = owner === 'server0' || owner === 'server1';
    return { rounds: 1, bytes: { [owner]: (isSrv ? 1 : 2) * bytesOf(s[0]) }, dealerBytes: 0 };
  },
  async run(ctx, [x], attrs) {
    const owner = roleAttr('share', attrs, 'owner') as Role;
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
    if (ctx.role === 'server0' || ctx.role === 'server1') {
      return [secret(shape, ringTensor(shape, await ctx.net.recv(owner, n)))];
    }
    return [secret(shape)];
  },
};

/** reveal: REVEALS the secret to attrs.to (a role, or 'servers' for both servers). */
export const reveal: Kernel = {
  name: 'reveal',
  summary: 'REVEALS a secret tensor to attrs.to (a role, or "servers"): the servers send their shares',
  reveals: true,
  operands: ['secret'],
  outputShapes: (s) => [s[0]],
  cost(s, attrs) {
    const to = roleAttr('reveal', attrs, 'to', ['servers']);
    const b = bytesOf(s[0]);
    if (to === 'servers') return { rounds: 1, bytes: { server0: b, server1: b }, dealerBytes: 0 };
    if (to === 'server0') return { rounds: 1, bytes: { server1: b }, dealerBytes: 0 };
    if (to === 'server1') return { rounds: 1, bytes: { server0: b }, dealerBytes: 0 };
    return { rounds: 1, bytes: { server0: b, server1: b }, dealerBytes: 0 };
  },
  async run(ctx, [x], attrs) {
    const to = roleAttr('reveal', attrs, 'to', ['servers']);
    const shape = x.shape;
    const n = sizeOf(shape);
    const isServer = ctx.role === 'server0' || ctx.role === 'server1';
    if (isServer) {
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
  },
};
