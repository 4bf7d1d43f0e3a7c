/**
 * Two in-process links joined back to back: the same Link contract as TLS, for local
 * runs and tests. Frames are delivered asynchronously (a microtask), in order, as
 * copies (the receiver gets its own 8-byte-aligned payload, as from the network), and
 * counted as if framed (FRAME_HEADER_BYTES of header each).
 */
import { TfeError } from '../../src/errors.js';
import { FRAME_HEADER_BYTES, type Frame } from './frame.js';
import { LinkState, newLinkCounters, type Link, type LinkCounters } from './link.js';

export class MemoryLink implements Link {
  readonly counters: LinkCounters = newLinkCounters();
  maxFrameBytes = 0xffffffff;
  private readonly state = new LinkState();
  /** Set by memoryLinkPair. */
  other!: MemoryLink;

  constructor(readonly self: string, readonly peer: string) {}

  send(frame: Frame): void {
    if (this.state.isEnded) throw new TfeError('E_TRANSPORT', `cannot send to ${this.peer}: the link is closed`);
    const payload = frame.payload.slice();
    this.counters.framesSent++;
    this.counters.payloadBytesSent += payload.byteLength;
    this.counters.headerBytesSent += FRAME_HEADER_BYTES;
    const copy: Frame = { kind: frame.kind, session: frame.session, step: frame.step, seq: frame.seq, clock: frame.clock, payload };
    const to = this.other;
    queueMicrotask(() => to.receive(copy));
  }

  onFrame(handler: (frame: Frame) => void): void {
    this.state.setFrameHandler(handler);
  }

  onClose(handler: (err: TfeError | undefined) => void): void {
    this.state.setCloseHandler(handler);
  }

  /** Orderly close; the other end ends with undefined after the frames already sent. */
  close(): void {
    if (this.state.isEnded) return;
    this.state.end(undefined);
    const to = this.other;
    queueMicrotask(() => to.state.end(undefined));
  }

  /** Ends both ends at once: this one with `err`, the other with an error naming this end (a crash, for tests). */
  destroyWith(err: TfeError): void {
    if (this.state.isEnded) return;
    this.state.end(err);
    const to = this.other;
    queueMicrotask(() => to.state.end(new TfeError('E_TRANSPORT', `connection to ${this.self} lost: ${err.message}`)));
  }

  private receive(frame: Frame): void {
    if (this.state.isEnded) return;
    const n = frame.payload.byteLength + FRAME_HEADER_BYTES - 4;
    if (n > this.maxFrameBytes) {
      const err = new TfeError('E_TRANSPORT', `oversized frame from ${this.peer}: ${n} bytes, limit ${this.maxFrameBytes}`);
      this.state.end(err);
      this.other.state.end(new TfeError('E_TRANSPORT', `connection to ${this.self} lost: it refused a frame`));
      return;
    }
    this.counters.framesReceived++;
    this.counters.payloadBytesReceived += frame.payload.byteLength;
    this.counters.headerBytesReceived += FRAME_HEADER_BYTES;
    this.state.deliver(frame);
  }
}

/** Links a (peer b) and b (peer a). */
export function memoryLinkPair(a: string, b: string): [MemoryLink, MemoryLink] {
  const la = new MemoryLink(a, b);
  const lb = new MemoryLink(b, a);
  la.other = lb;
  lb.other = la;
  return [la, lb];
}
