/** Plan tensor shapes at a session's batch size (no imports from the verifier or the cost model, which both use it). */
import type { Shape } from '../shape.js';

/** Shape of a plan tensor with the batch dimension (-1) set to `batch`. */
export function shapeAtBatch(s: Shape, batch: number): number[] {
  return s.map((d) => (d === -1 ? batch : d));
}
