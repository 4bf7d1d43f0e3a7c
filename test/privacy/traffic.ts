/**
 * Every frame each party receives, of every kind, with the type of each control
 * message: what the structural privacy checks read (which parties receive online data,
 * which receive material, and which control messages reach a party that must hold no
 * share). views.ts keeps only data and material frames, the ones whose payload can
 * carry shares; this log keeps no payload but a control message's type.
 */
import { decodeControl } from '../../runtime/transport/control.js';
import type { FrameKind } from '../../runtime/transport/frame.js';
import type { Link } from '../../runtime/transport/link.js';
import { tapLink, tappedPairs } from './tap.js';

export interface Delivery {
  readonly from: string;
  readonly to: string;
  readonly kind: FrameKind;
  readonly step: number;
  /** For a control frame: its message's type (seed, make, consume, ...). */
  readonly control?: string;
}

/** Records what each party receives, at the receiving end of each link. */
export class TrafficLog {
  readonly received: Delivery[] = [];

  /** Wraps a link pair factory so that each end records the frames handed to it. */
  links<L extends Link>(pair: (a: string, b: string) => [L, L]): (a: string, b: string) => [Link, Link] {
    return tappedPairs(pair, (link, self) => tapLink(link, () => undefined, (f) => {
      const control = f.kind === 'control' ? decodeControl(f.payload, link.peer).type : undefined;
      this.received.push({ from: link.peer, to: self, kind: f.kind, step: f.step, ...(control === undefined ? {} : { control }) });
    }));
  }
}
