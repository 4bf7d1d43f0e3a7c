/**
 * Opening values between the two servers: each sends its share to the other and adds
 * (or XORs) what it receives. One round; |data| ring elements sent by each server.
 * Every call site opens a value that is uniformly masked (x - a, x + r, x ^ a), never a
 * secret itself; `reveal` is the one kernel that opens a secret, and says so.
 */
import { TfeError } from '../../src/errors.js';
import { ringPool } from '../ring/pool.js';
import { ringTensor, type RingTensor } from '../ring/tensor.js';
import type { Role } from '../transport/types.js';
import type { PartyContext } from './types.js';

export function otherServer(role: Role): 'server0' | 'server1' {
  if (role === 'server0') return 'server1';
  if (role === 'server1') return 'server0';
  throw new TfeError('E_PROTOCOL', `${role} is not a server`);
}

/**
 * The shares as one message: a single share is sent as it is; several are copied into
 * a pooled buffer (runtime/ring/pool.ts) that the caller gives back once it is done
 * with the views `split` makes of it. Safe to reuse: Endpoint.send copies what it sends.
 */
function concatData(ts: readonly RingTensor[]): { data: BigUint64Array; pooled: boolean } {
  if (ts.length === 1) return { data: ts[0].data, pooled: false };
  const out = ringPool.take(ts.reduce((n, t) => n + t.data.length, 0));
  let off = 0;
  for (const t of ts) {
    out.set(t.data, off);
    off += t.data.length;
  }
  return { data: out, pooled: true };
}

function split(data: BigUint64Array, like: readonly RingTensor[]): RingTensor[] {
  let off = 0;
  return like.map((t) => {
    const part = data.subarray(off, off + t.data.length);
    off += t.data.length;
    return ringTensor(t.shape, part);
  });
}

/** Sends this server's data to the other and returns the other's (same length). */
export async function exchange(ctx: PartyContext, data: BigUint64Array): Promise<BigUint64Array> {
  const peer = otherServer(ctx.role);
  ctx.net.send(peer, data);
  return ctx.net.recv(peer, data.length);
}

/** Opens shares combined by `op` (add or xor), all in one message; the results are fresh tensors. */
async function open(ctx: PartyContext, shares: readonly RingTensor[], op: (a: RingTensor, b: RingTensor) => RingTensor): Promise<RingTensor[]> {
  const mine = concatData(shares);
  try {
    const theirs = await exchange(ctx, mine.data);
    const mineT = split(mine.data, shares);
    return split(theirs, shares).map((t, i) => op(mineT[i], t));
  } finally {
    if (mine.pooled) ringPool.give(mine.data);
  }
}

/** Opens additively shared masked values (all in one message). */
export async function openA(ctx: PartyContext, shares: readonly RingTensor[]): Promise<RingTensor[]> {
  return open(ctx, shares, (a, b) => ctx.ring.add(a, b));
}

/** Opens XOR-shared masked words (all in one message). */
export async function openB(ctx: PartyContext, shares: readonly RingTensor[]): Promise<RingTensor[]> {
  return open(ctx, shares, (a, b) => ctx.ring.xor(a, b));
}

export function isServerCtx(ctx: PartyContext): boolean {
  return ctx.role === 'server0' || ctx.role === 'server1';
}
