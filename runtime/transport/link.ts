/**
 * A link: one authenticated, ordered, two-way stream of frames to one peer. The
 * session layer (demultiplexing by session and step, receive timeouts) is built on
 * top of it; the link itself knows nothing of protocols. Implemented over mutual TLS
 * (tls.ts) and in memory (memory-link.ts).
 */
import type { TfeError } from '../../src/errors.js';
import type { Frame } from './frame.js';

/** What crossed a link, payload and header bytes apart (headers: FRAME_HEADER_BYTES per frame). */
export interface LinkCounters {
  framesSent: number;
  payloadBytesSent: number;
  headerBytesSent: number;
  framesReceived: number;
  payloadBytesReceived: number;
  headerBytesReceived: number;
}

export interface Link {
  /** The authenticated role name of the other end. */
  readonly peer: string;
  /** Queues `frame`, copying its payload (the caller may reuse it at once); E_TRANSPORT naming the peer if the link is closed. */
  send(frame: Frame): void;
  /** Sets the one frame handler; frames that arrived before it was set are handed to it first, in order. */
  onFrame(handler: (frame: Frame) => void): void;
  /** Called once when the link ends: undefined for an orderly close (by either end), else the error naming the peer. */
  onClose(handler: (err: TfeError | undefined) => void): void;
  /** Orderly close: the other end's link ends with undefined. */
  close(): void;
  /** The largest incoming frame accepted (the length prefix's value); larger ones end the link. */
  maxFrameBytes: number;
  /**
   * Resolves when what was sent has left this process's buffers (the socket drained), or
   * at once when nothing waits; links that buffer nothing (in memory) need not have it.
   * Parties await it at step boundaries (runtime/party/steps.ts), so a sender never
   * runs ahead of a slow link by more than one step's messages.
   */
  drained?(): Promise<void>;
  readonly counters: LinkCounters;
}

export function newLinkCounters(): LinkCounters {
  return { framesSent: 0, payloadBytesSent: 0, headerBytesSent: 0, framesReceived: 0, payloadBytesReceived: 0, headerBytesReceived: 0 };
}

/**
 * The bookkeeping every Link shares: the buffered frames before a handler is set, the
 * close handler called exactly once (also when set after the link ended).
 */
export class LinkState {
  private frameHandler: ((frame: Frame) => void) | undefined;
  private readonly early: Frame[] = [];
  private closeHandler: ((err: TfeError | undefined) => void) | undefined;
  private ended = false;
  private endError: TfeError | undefined;
  private closeReported = false;

  get isEnded(): boolean {
    return this.ended;
  }

  deliver(frame: Frame): void {
    if (this.ended) return;
    if (this.frameHandler) this.frameHandler(frame);
    else this.early.push(frame);
  }

  setFrameHandler(handler: (frame: Frame) => void): void {
    this.frameHandler = handler;
    for (const f of this.early.splice(0)) handler(f);
  }

  setCloseHandler(handler: (err: TfeError | undefined) => void): void {
    if (this.closeHandler) return;
    this.closeHandler = handler;
    if (this.ended) this.report();
  }

  /** Marks the link ended (first call wins) and reports it to the close handler. */
  end(err: TfeError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.endError = err;
    this.early.length = 0;
    if (this.closeHandler) this.report();
  }

  private report(): void {
    if (this.closeReported || !this.closeHandler) return;
    this.closeReported = true;
    const h = this.closeHandler;
    const err = this.endError;
    queueMicrotask(() => h(err));
  }
}
