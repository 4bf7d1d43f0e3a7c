/**
 * What each party sees: every frame its router is handed (what it receives) and every
 * frame it sends, recorded at its end of each link. A party's view of a run is
 * summarised as per-bit counts (stats.ts) under keys that are stable across runs
 * (receiver, sender, frame kind, session in order, step, sequence number):
 *
 *  - each message received alone (data: online messages; material: the dealer's
 *    corrections to server1);
 *  - each opening: when two parties exchange their shares of one value (the same
 *    session, step and sequence number, the same length, each way), what the receiver
 *    learns is its own share combined with the other one: sent + received (additive
 *    shares) and sent ^ received (XOR shares). A kernel-internal opening must be of a
 *    masked value (x - a, x + r, b ^ s), uniform and the same whatever the secrets;
 *    with the mask missing it is the secret itself, although each message alone still
 *    looks uniform.
 *
 * What a party computes from its view (its shares of intermediate values) is a
 * function of these, so the tests look at the messages and openings only.
 */
import type { Link } from '../../runtime/transport/link.js';
import type { Frame } from '../../runtime/transport/frame.js';
import { wordsOf } from '../../runtime/transport/session.js';
import { countBits, newCounts, type BitCounts } from './stats.js';
import { tapLink, tappedPairs } from './tap.js';

export interface Message {
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  readonly session: bigint;
  readonly step: number;
  readonly seq: number;
  readonly words: BigUint64Array;
}


/** Records one run's messages, as each party sent and received them. */
export class ViewRecorder {
  readonly received: Message[] = [];
  readonly sent: Message[] = [];

  /** Wraps a link pair factory so that each end records what it sends and receives. */
  links<L extends Link>(pair: (a: string, b: string) => [L, L]): (a: string, b: string) => [Link, Link] {
    return tappedPairs(pair, (link, self) => {
      const record = (into: Message[], f: Frame, from: string, to: string): void => {
        if (f.kind === 'data' || f.kind === 'material') into.push({ from, to, kind: f.kind, session: f.session, step: f.step, seq: f.seq, words: wordsOf(f.payload.slice()) });
      };
      return tapLink(link, (f) => record(this.sent, f, self, link.peer), (f) => record(this.received, f, link.peer, self));
    });
  }

  /**
   * Adds this run's views to `into` (per key), counting the first `limit` words of each
   * message and opening. Sessions (random ids) are numbered in the order a receiver
   * first saw them per frame kind (the setup session runs before the prediction), so
   * keys match across runs.
   */
  summarise(into: Map<string, BitCounts>, limit: number): void {
    const ranks = new Map<string, bigint[]>();
    for (const r of this.received) {
      const k = `${r.to}|${r.kind}`;
      const list = ranks.get(k) ?? [];
      if (!list.includes(r.session)) list.push(r.session);
      ranks.set(k, list);
    }
    const add = (key: string, w: BigUint64Array): void => {
      const c = into.get(key) ?? newCounts();
      countBits(c, w, limit);
      into.set(key, c);
    };
    const sentBy = new Map(this.sent.map((m) => [`${m.from}>${m.to}|${m.kind}|${m.session}|${m.step}|${m.seq}`, m]));
    for (const r of this.received) {
      const rank = (ranks.get(`${r.to}|${r.kind}`) as bigint[]).indexOf(r.session);
      const key = `${r.to}<-${r.from} ${r.kind} s${rank} step ${r.step} #${r.seq}`;
      add(key, r.words);
      const mine = sentBy.get(`${r.to}>${r.from}|${r.kind}|${r.session}|${r.step}|${r.seq}`);
      if (r.kind !== 'data' || !mine || mine.words.length !== r.words.length) continue;
      const n = Math.min(limit, r.words.length);
      const sum = new BigUint64Array(n);
      const xor = new BigUint64Array(n);
      for (let i = 0; i < n; i++) {
        sum[i] = mine.words[i] + r.words[i];
        xor[i] = mine.words[i] ^ r.words[i];
      }
      add(`${key} opened+`, sum);
      add(`${key} opened^`, xor);
    }
  }
}
