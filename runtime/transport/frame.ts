/**
 * Frames: the unit every transport moves (PROVISIONAL: replaced by the framing codec
 * of the deploy-transport branch; same types).
 */
export const FRAME_KINDS = ['hello', 'data', 'material', 'control', 'abort'] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];

export interface Frame {
  readonly kind: FrameKind;
  readonly session: bigint;
  readonly step: number;
  readonly seq: number;
  readonly clock: number;
  readonly payload: Uint8Array;
}

export const FRAME_HEADER_BYTES = 28;
/** Step tag of frames that belong to no step. */
export const NO_STEP = 0xffffffff;
