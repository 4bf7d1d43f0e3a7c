/** A link: an authenticated, ordered frame pipe to one peer (PROVISIONAL: see the deploy-transport branch). */
import type { TfeError } from '../../src/errors.js';
import type { Frame } from './frame.js';

export interface LinkCounters {
  framesSent: number;
  payloadBytesSent: number;
  headerBytesSent: number;
  framesReceived: number;
  payloadBytesReceived: number;
  headerBytesReceived: number;
}

export interface Link {
  readonly peer: string;
  send(frame: Frame): void;
  onFrame(handler: (frame: Frame) => void): void;
  onClose(handler: (err: TfeError | undefined) => void): void;
  close(): void;
  maxFrameBytes: number;
  readonly counters: LinkCounters;
}

export function newCounters(): LinkCounters {
  return { framesSent: 0, payloadBytesSent: 0, headerBytesSent: 0, framesReceived: 0, payloadBytesReceived: 0, headerBytesReceived: 0 };
}
