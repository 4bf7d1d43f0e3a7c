/** In-process links (PROVISIONAL: see the deploy-transport branch). */
import { TfeError } from '../../src/errors.js';
import { FRAME_HEADER_BYTES, type Frame } from './frame.js';
import { newCounters, type Link, type LinkCounters } from './link.js';

class MemoryLink implements Link {
  readonly counters: LinkCounters = newCounters();
  maxFrameBytes = Number.MAX_SAFE_INTEGER;
  other!: MemoryLink;
  private handler: ((f: Frame) => void) | undefined;
  private readonly buffered: Frame[] = [];
  private closeHandler: ((err: TfeError | undefined) => void) | undefined;
  private closed = false;
  private closeErr: TfeError | undefined;
  constructor(readonly peer: string) {}

  send(frame: Frame): void {
    if (this.closed) throw new TfeError('E_TRANSPORT', `the link to ${this.peer} is closed`);
    this.counters.framesSent++;
    this.counters.payloadBytesSent += frame.payload.byteLength;
    this.counters.headerBytesSent += FRAME_HEADER_BYTES;
    const copy = { ...frame, payload: frame.payload.slice() };
    queueMicrotask(() => this.other.deliver(copy));
  }

  deliver(f: Frame): void {
    if (this.closed) return;
    this.counters.framesReceived++;
    this.counters.payloadBytesReceived += f.payload.byteLength;
    this.counters.headerBytesReceived += FRAME_HEADER_BYTES;
    if (this.handler) this.handler(f);
    else this.buffered.push(f);
  }

  onFrame(handler: (frame: Frame) => void): void {
    this.handler = handler;
    for (const f of this.buffered.splice(0)) handler(f);
  }

  onClose(handler: (err: TfeError | undefined) => void): void {
    this.closeHandler = handler;
    if (this.closed) queueMicrotask(() => handler(this.closeErr));
  }

  end(err: TfeError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeErr = err;
    this.closeHandler?.(err);
  }

  close(): void {
    this.end(undefined);
    queueMicrotask(() => this.other.end(undefined));
  }

  destroyWith(err: TfeError): void {
    const other = this.other;
    queueMicrotask(() => other.end(new TfeError('E_TRANSPORT', `connection to ${other.peer} lost: ${err.message}`)));
    this.end(err);
  }
}

export function memoryLinkPair(a: string, b: string): [Link & { destroyWith(err: TfeError): void }, Link & { destroyWith(err: TfeError): void }] {
  const la = new MemoryLink(b);
  const lb = new MemoryLink(a);
  la.other = lb;
  lb.other = la;
  return [la, lb];
}
