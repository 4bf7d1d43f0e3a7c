/**
 * What a graph pass is: a named function from graph to graph with a one-line purpose,
 * and the options the pipeline hands every pass (from `tfe compile` flags).
 */
import type { IrGraph } from '../../src/ir/node.js';

/** `--input NAME=SHAPE`: make tensor NAME an input of this shape (-1: the free batch dim). */
export interface InputOverride {
  readonly name: string;
  readonly shape: readonly number[];
}

/** `--const NAME=VALUE`: feed input NAME this constant (every element). */
export interface ConstFeed {
  readonly name: string;
  readonly value: number;
}

export interface PassOptions {
  readonly inputs: readonly InputOverride[];
  readonly consts: readonly ConstFeed[];
  /** `--output NAME`: the tensors to compute (default: the graph's outputs). */
  readonly outputs: readonly string[];
}

export const DEFAULT_PASS_OPTIONS: PassOptions = { inputs: [], consts: [], outputs: [] };

export interface Pass {
  readonly name: string;
  /** One line: what the pass does. */
  readonly purpose: string;
  readonly run: (g: IrGraph, opts: PassOptions) => IrGraph;
}
