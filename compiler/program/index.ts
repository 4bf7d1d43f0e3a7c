/**
 * The program builder's public surface: `program()` and its types. See program.ts for
 * the ops, and compiler/compile.ts for the CompileResult a program compiles to.
 */
export { program, Program, ProgramTensor, type Conv2dOptions, type MatmulOptions, type Operand, type PoolOptions, type PrivateInputOptions, type ReduceOptions } from './program.js';
export type { ProgramCompileOptions } from './to-graph.js';
export type { Padding, Window } from './op-args.js';
export type { ProgramValues } from './values.js';
