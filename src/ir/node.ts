/**
 * The IR's one node type and its graph. Nodes are immutable values; passes build
 * new graphs. Every node has exactly one output, referred to by the node's id.
 */
import type { Op } from './ops.js';

export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool' | 'string';

/** A dimension: a size >= 0, or -1 for the symbolic batch dimension. */
export type Dim = number;
export type Shape = readonly Dim[];

/** Values of a constant tensor, row-major. Floats are held as float64. */
export type TensorValues = Float64Array | Int32Array | BigInt64Array | Uint8Array | readonly string[];

export interface TensorData {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly values: TensorValues;
}

export type AttrValue = number | boolean | string | readonly number[] | readonly string[] | TensorData;

export type Attrs = Readonly<Record<string, AttrValue>>;

export interface IrNode {
  /** Unique in its graph; the source node's name where there is one. */
  readonly id: string;
  readonly op: Op;
  /** Ids of the nodes whose outputs this node consumes, in operand order. */
  readonly inputs: readonly string[];
  readonly attrs: Attrs;
  readonly dtype: DType;
  /** Output shape; undefined until shape inference has run. */
  readonly shape: Shape | undefined;
}

export interface IrGraph {
  /** Nodes in topological order (every input precedes its consumer). */
  readonly nodes: readonly IrNode[];
  /** Ids of the graph's inputs (Placeholder nodes), in signature order. */
  readonly inputs: readonly string[];
  /** Ids of the requested outputs, in signature order. */
  readonly outputs: readonly string[];
  /** Where the graph came from (format and path), for messages. */
  readonly source: { readonly format: string; readonly path: string };
}
