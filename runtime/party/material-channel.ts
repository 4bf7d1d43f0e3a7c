/**
 * The material channel of one bundle over the router: the material role (Pond's
 * dealer, securenn's helper server2) sends each correction tensor to server1 as a
 * `material` frame tagged with the bundle id and the step it belongs to; server1 takes
 * them in order from the bundle's inbox, each checked for its length. Server0 receives
 * only material both servers hold in the clear (FSS key correction words); it derives
 * all of its shares from its seed.
 */
import { TfeError } from '../../src/errors.js';
import type { MaterialChannel } from '../crypto/material.js';
import { NO_STEP } from '../transport/frame.js';
import type { Router } from '../transport/router.js';
import { bytesOf, wordsOf } from '../transport/session.js';

export interface SendingChannel extends MaterialChannel {
  /** Payload bytes sent so far. */
  readonly bytes: number;
  step: number;
}

/** The material role's side (the dealer, or the helper server): frames to `to` for `bundle`. */
export function materialSender(router: Router, bundle: bigint, to: string): SendingChannel {
  let seq = 0;
  const ch = {
    bytes: 0,
    step: NO_STEP,
    send(data: BigUint64Array): void {
      router.link(to).send({ kind: 'material', session: bundle, step: ch.step, seq: seq++, clock: 0, payload: bytesOf(data) });
      ch.bytes += data.byteLength;
    },
    recv(): Promise<BigUint64Array> {
      return Promise.reject(new TfeError('E_PROTOCOL', 'the dealer receives no material'));
    },
  };
  return ch;
}

/** A share-holder's side: the bundle's frames from the material role `from`, in order. */
export function materialReceiver(router: Router, bundle: bigint, from: string): MaterialChannel & { readonly bytes: number } {
  let seq = 0;
  const ch = {
    bytes: 0,
    send(): void {
      throw new TfeError('E_PROTOCOL', `${router.role} sends no material`);
    },
    async recv(n: number): Promise<BigUint64Array> {
      const ms = router.receiveTimeoutMs;
      const f = await router.inbox('material', bundle, from).take(ms, () => new TfeError('E_TRANSPORT', `${router.role} received no material of bundle ${bundle} from ${from} within ${ms / 1000} s`));
      if (f.seq !== seq || f.payload.byteLength !== n * 8) {
        throw new TfeError('E_PROTOCOL', `${from} sent material ${f.seq} of ${f.payload.byteLength} bytes for bundle ${bundle}; ${router.role} expected material ${seq} of ${n * 8} bytes`);
      }
      seq++;
      ch.bytes += f.payload.byteLength;
      return wordsOf(f.payload);
    },
  };
  return ch;
}
