/**
 * A link that calls `onSend` for each frame its owner sends and `onReceive` for each
 * frame handed to it (which may `'drop'` it: a test of a party that dies on a request),
 * then behaves exactly as the wrapped link: what the privacy tests'
 * recorders (views.ts, traffic.ts) put between two parties of a local deployment.
 */
import type { Frame } from '../../runtime/transport/frame.js';
import type { Link } from '../../runtime/transport/link.js';

export function tapLink(link: Link, onSend: (f: Frame) => void, onReceive: (f: Frame) => void | 'drop'): Link {
  return {
    get peer() {
      return link.peer;
    },
    send: (f) => {
      onSend(f);
      link.send(f);
    },
    onFrame: (h) => link.onFrame((f) => {
      if (onReceive(f) !== 'drop') h(f);
    }),
    onClose: (h) => link.onClose(h),
    close: () => link.close(),
    get maxFrameBytes() {
      return link.maxFrameBytes;
    },
    set maxFrameBytes(n: number) {
      link.maxFrameBytes = n;
    },
    get counters() {
      return link.counters;
    },
  };
}

/** Wraps a link pair factory so that each end is wrapped by `wrap(link, its own role)`. */
export function tappedPairs<L extends Link>(pair: (a: string, b: string) => [L, L], wrap: (link: Link, self: string) => Link): (a: string, b: string) => [Link, Link] {
  return (a, b) => {
    const [la, lb] = pair(a, b);
    return [wrap(la, a), wrap(lb, b)];
  };
}
